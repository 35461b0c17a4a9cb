"""What hangs off a contact over the API: notes (R11–R13), opportunities (O1), diffusion-list
subscriptions (M1, R10); and the companies and diffusion lists the user sees (read-only: companies
have no write service yet, they are managed in the admin)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api import BAD_INPUT, form_validated, page_view
from crm.selectors import companies_visible_to, diffusion_lists_visible_to, get_company_for
from prospects.api.serializers import (
    CompanySerializer,
    DiffusionListSerializer,
    ErrorSerializer,
    NoteInput,
    NoteSerializer,
    OpportunityInput,
    OpportunitySerializer,
    SubscriptionsInput,
)
from prospects.card.actions import opportunity_right
from prospects.forms import NoteForm, OpportunityForm, SubscriptionsForm
from prospects.rights import R10, require_right
from prospects.selectors import get_prospect_for, notes_visible_to, opportunities_visible_to
from prospects.services import (
    note_create,
    note_delete,
    note_may_manage,
    note_rights,
    note_update,
    opportunity_create,
    prospect_subscriptions_set,
)


def _notes_out(user, prospect, notes) -> list[dict]:
    rights = note_rights(user, prospect)
    for note in notes:
        note.can_manage = note_may_manage(user, note, rights)
    return NoteSerializer(notes, many=True).data


class NoteListView(APIView):
    @extend_schema(
        operation_id="contacts_notes_list",
        summary=gettext_lazy("Notes d'un contact"),
        description=gettext_lazy("Les notes des entités de l'utilisateur ; de toutes les entités avec R12 ou R13."),
        responses={200: NoteSerializer(many=True), 404: ErrorSerializer},
        tags=["notes"],
    )
    def get(self, request, pk: int):
        prospect = get_prospect_for(request.user, pk)
        return Response(_notes_out(request.user, prospect, list(notes_visible_to(request.user, prospect))))

    @extend_schema(
        operation_id="contacts_notes_create",
        summary=gettext_lazy("Ajouter une note"),
        description=gettext_lazy("Droit R11 (ou R13) sur le contact."),
        request=NoteInput,
        responses={201: NoteSerializer, 400: BAD_INPUT, 403: ErrorSerializer, 404: ErrorSerializer},
        tags=["notes"],
    )
    def post(self, request, pk: int):
        prospect = get_prospect_for(request.user, pk)
        if not note_rights(request.user, prospect)["own"]:
            raise PermissionDenied
        text = form_validated(NoteForm(request.data))["text"]
        note = note_create(prospect=prospect, author=request.user, text=text)
        return Response(_notes_out(request.user, prospect, [note])[0], status=status.HTTP_201_CREATED)


class NoteDetailView(APIView):
    def _manageable(self, request, pk: int, note_pk: int):
        """The note if the user sees it (404 otherwise) and may change it (403 otherwise)."""
        prospect = get_prospect_for(request.user, pk)
        note = get_object_or_404(notes_visible_to(request.user, prospect), pk=note_pk)
        if not note_may_manage(request.user, note, note_rights(request.user, prospect)):
            raise PermissionDenied
        return prospect, note

    @extend_schema(
        operation_id="contacts_notes_update",
        summary=gettext_lazy("Modifier une note"),
        description=gettext_lazy("Ses propres notes avec R11, toutes avec R13."),
        request=NoteInput,
        responses={200: NoteSerializer, 400: BAD_INPUT, 403: ErrorSerializer, 404: ErrorSerializer},
        tags=["notes"],
    )
    def patch(self, request, pk: int, note_pk: int):
        prospect, note = self._manageable(request, pk, note_pk)
        note = note_update(note=note, text=form_validated(NoteForm(request.data))["text"])
        return Response(_notes_out(request.user, prospect, [note])[0])

    @extend_schema(
        operation_id="contacts_notes_destroy",
        summary=gettext_lazy("Supprimer une note"),
        description=gettext_lazy("Ses propres notes avec R11, toutes avec R13."),
        responses={204: None, 403: ErrorSerializer, 404: ErrorSerializer},
        tags=["notes"],
    )
    def delete(self, request, pk: int, note_pk: int):
        _prospect, note = self._manageable(request, pk, note_pk)
        note_delete(note=note)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactOpportunityView(APIView):
    @extend_schema(
        operation_id="contacts_opportunities_list",
        summary=gettext_lazy("Opportunités d'un contact"),
        responses={200: OpportunitySerializer(many=True), 404: ErrorSerializer},
        tags=["opportunities"],
    )
    def get(self, request, pk: int):
        prospect = get_prospect_for(request.user, pk)
        opportunities = opportunities_visible_to(request.user).filter(prospect=prospect).order_by("-created_at", "-id")
        return Response(OpportunitySerializer(opportunities, many=True).data)

    @extend_schema(
        operation_id="contacts_opportunities_create",
        summary=gettext_lazy("Ouvrir une opportunité sur un contact"),
        description=gettext_lazy("Droit R1 sur le contact ; R4 pour un contact libre (sans société)."),
        request=OpportunityInput,
        responses={201: OpportunitySerializer, 400: BAD_INPUT, 403: ErrorSerializer, 404: ErrorSerializer},
        tags=["opportunities"],
    )
    def post(self, request, pk: int):
        prospect = get_prospect_for(request.user, pk)
        require_right(request.user, opportunity_right(company_id=prospect.company_id), prospect)
        form = OpportunityForm(request.data, user=request.user)
        opportunity = opportunity_create(prospect=prospect, by=request.user, **form_validated(form))
        return Response(OpportunitySerializer(opportunity).data, status=status.HTTP_201_CREATED)


OpportunityListView = page_view(
    "Opportunity",
    serializer_class=OpportunitySerializer,
    rows=lambda request: opportunities_visible_to(request.user),
    operation_id="opportunities_list",
    summary=gettext_lazy("Opportunités visibles"),
    tags=["opportunities"],
)


class SubscriptionsView(APIView):
    @extend_schema(
        operation_id="contacts_subscriptions_list",
        summary=gettext_lazy("Abonnements d'un contact aux listes de diffusion"),
        description=gettext_lazy("Parmi les listes que l'utilisateur voit."),
        responses={200: DiffusionListSerializer(many=True), 404: ErrorSerializer},
        tags=["subscriptions"],
    )
    def get(self, request, pk: int):
        prospect = get_prospect_for(request.user, pk)
        lists = diffusion_lists_visible_to(request.user).filter(pk__in=prospect.diffusion_lists.values("pk"))
        return Response(DiffusionListSerializer(lists.order_by("name", "pk"), many=True).data)

    @extend_schema(
        operation_id="contacts_subscriptions_set",
        summary=gettext_lazy("Fixer les abonnements d'un contact"),
        description=gettext_lazy(
            "Droit R10 sur le contact. `lists` : exactement les listes (visibles) auxquelles il est abonné ; "
            "les listes que l'utilisateur ne voit pas ne changent pas."
        ),
        request=SubscriptionsInput,
        responses={200: DiffusionListSerializer(many=True), 400: BAD_INPUT, 403: ErrorSerializer,
                   404: ErrorSerializer},
        tags=["subscriptions"],
    )  # fmt: skip
    def put(self, request, pk: int):
        prospect = get_prospect_for(request.user, pk)
        require_right(request.user, R10, prospect)
        form = SubscriptionsForm(request.data, user=request.user)
        lists = form_validated(form)["lists"]
        prospect_subscriptions_set(
            prospect=prospect, lists=lists, visible_lists=form.fields["lists"].queryset, by=request.user
        )
        return self.get(request, pk)


DiffusionListView = page_view(
    "DiffusionList",
    serializer_class=DiffusionListSerializer,
    rows=lambda request: diffusion_lists_visible_to(request.user),
    operation_id="diffusion_lists_list",
    summary=gettext_lazy("Listes de diffusion visibles"),
    tags=["subscriptions"],
)


def _companies(request):
    companies = companies_visible_to(request.user).select_related(None)
    query = request.query_params.get("q", "").strip()[:100]
    return companies.filter(name__icontains=query) if query else companies


CompanyListView = page_view(
    "Company",
    serializer_class=CompanySerializer,
    rows=_companies,
    operation_id="companies_list",
    summary=gettext_lazy("Sociétés visibles"),
    description=gettext_lazy("Lecture seule : les sociétés se gèrent dans l'administration."),
    parameters=[OpenApiParameter("q", OpenApiTypes.STR, description=gettext_lazy("Nom contenant"))],
    tags=["companies"],
)


class CompanyDetailView(APIView):
    @extend_schema(
        operation_id="companies_retrieve",
        summary=gettext_lazy("Une société"),
        responses={200: CompanySerializer, 404: ErrorSerializer},
        tags=["companies"],
    )
    def get(self, request, pk: int):
        return Response(CompanySerializer(get_company_for(request.user, pk)).data)
