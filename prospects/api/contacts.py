"""Prospect contacts over the API: the list (its filters, search, sort, keyset pages), one contact,
create, update and delete (D1). The same selectors, form, rights and services as the web pages."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api import BAD_INPUT, form_data_for_update, form_validated
from prospects.api.serializers import ContactInput, ContactSerializer, DeleteRefusedSerializer, ErrorSerializer
from prospects.forms import ProspectForm
from prospects.list.filters import ProspectFilter, filter_is_empty, prospects_matching
from prospects.list.keyset import MAX_PER_PAGE, BadCursor, keyset_page
from prospects.list.paging import DEFAULT_SORT, SORTS, sort_needs_annotations
from prospects.list.selectors import prospect_list_annotate
from prospects.models import ProspectContact
from prospects.rights import R1, require_right
from prospects.selectors import get_prospect_for
from prospects.services import ProspectNotDeletable, prospect_create, prospect_delete, prospect_update

DEFAULT_PER_PAGE = 50
SORT_CHOICES = [*SORTS, *(f"-{key}" for key in SORTS)]

LIST_PARAMETERS = [
    OpenApiParameter(
        name,
        OpenApiTypes.STR,
        description=filter_.label or name,  # lazy: the schema is rendered in the request's language
        many=name in ProspectFilter.MULTIPLE,
    )
    for name, filter_ in ProspectFilter.base_filters.items()
] + [
    OpenApiParameter("sort", OpenApiTypes.STR, enum=SORT_CHOICES, description=gettext_lazy("Tri de la liste")),
    OpenApiParameter("cursor", OpenApiTypes.STR, description=gettext_lazy("Curseur de la page suivante (next)")),
    OpenApiParameter(
        "per_page",
        OpenApiTypes.INT,
        description=gettext_lazy("Contacts par page (1 à 500)"),
    ),
]

ContactPage = inline_serializer(
    "ContactPage",
    {"next": serializers.CharField(allow_null=True), "results": ContactSerializer(many=True)},
)


def _per_page(value: str | None) -> int:
    if value in (None, ""):
        return DEFAULT_PER_PAGE
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_PER_PAGE:
        raise ValidationError({"per_page": [_("Un nombre entre 1 et %(max)d.") % {"max": MAX_PER_PAGE}]})
    return number


def _sort(value: str | None) -> str:
    sort = value or DEFAULT_SORT
    if sort.removeprefix("-") not in SORTS:
        raise ValidationError({"sort": [_("Tri inconnu : %(choices)s.") % {"choices": ", ".join(SORT_CHOICES)}]})
    return sort


def _next_url(request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = request.query_params.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(request.path + "?" + query.urlencode())


def contacts_of_ids(ids: list[int]) -> list[ProspectContact]:
    """The contacts of a page, in its order, with what the serializer reads: two queries."""
    found = ProspectContact._base_manager.select_related("company").prefetch_related("entities").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


class ContactListView(APIView):
    @extend_schema(
        operation_id="contacts_list",
        summary=gettext_lazy("Liste des contacts prospects"),
        description=gettext_lazy(
            "Les contacts visibles, avec les filtres, la recherche et les tris de la liste ; pagination par "
            "curseur (suivre `next`)."
        ),
        parameters=LIST_PARAMETERS,
        responses={200: ContactPage, 400: OpenApiResponse(description=gettext_lazy("Paramètre invalide"))},
        tags=["contacts"],
    )
    def get(self, request):
        params = request.query_params
        sort, per_page = _sort(params.get("sort")), _per_page(params.get("per_page"))
        filterset, prospects = prospects_matching(request.user, params)
        if not filterset.is_valid():
            raise ValidationError({name: list(errors) for name, errors in filterset.errors.items()})
        if sort_needs_annotations(sort):
            prospects = prospect_list_annotate(request.user, prospects)
        try:
            page = keyset_page(
                prospects, sort=sort, cursor=params.get("cursor"), per_page=per_page, dense=not filter_is_empty(params)
            )
        except BadCursor:
            raise ValidationError({"cursor": [_("Curseur invalide.")]}) from None
        contacts = ContactSerializer(contacts_of_ids(page.ids), many=True).data
        return Response({"next": _next_url(request, page.next_cursor), "results": contacts})

    @extend_schema(
        operation_id="contacts_create",
        summary=gettext_lazy("Créer un contact prospect"),
        description=gettext_lazy(
            "Droit R1. Mêmes contrôles que le formulaire : un doublon probable est refusé sauf avec "
            "`confirm_duplicates: true`."
        ),
        request=ContactInput,
        responses={201: ContactSerializer, 400: BAD_INPUT,
                   403: ErrorSerializer},
        tags=["contacts"],
    )  # fmt: skip
    def post(self, request):
        require_right(request.user, R1)
        form = ProspectForm(form_data_for_update(ProspectForm, request.data, partial=False), user=request.user)
        prospect = prospect_create(by=request.user, **form_validated(form))
        return Response(ContactSerializer(contacts_of_ids([prospect.pk])[0]).data, status=status.HTTP_201_CREATED)


class ContactDetailView(APIView):
    @extend_schema(
        operation_id="contacts_retrieve",
        summary=gettext_lazy("Un contact prospect"),
        responses={200: ContactSerializer, 404: ErrorSerializer},
        tags=["contacts"],
    )
    def get(self, request, pk: int):
        return Response(ContactSerializer(contacts_of_ids([get_prospect_for(request.user, pk).pk])[0]).data)

    def _update(self, request, pk: int, *, partial: bool):
        prospect = get_prospect_for(request.user, pk)
        require_right(request.user, R1, prospect)
        data = form_data_for_update(ProspectForm, request.data, partial=partial, instance=prospect, user=request.user)
        form = ProspectForm(data, instance=prospect, user=request.user)
        prospect_update(prospect=prospect, by=request.user, **form_validated(form))
        return Response(ContactSerializer(contacts_of_ids([prospect.pk])[0]).data)

    @extend_schema(
        operation_id="contacts_update",
        summary=gettext_lazy("Modifier un contact prospect (tous les champs)"),
        description=gettext_lazy("Droit R1 sur le contact (global, règle du commercial ou droit d'objet)."),
        request=ContactInput,
        responses={200: ContactSerializer, 400: BAD_INPUT,
                   403: ErrorSerializer, 404: ErrorSerializer},
        tags=["contacts"],
    )  # fmt: skip
    def put(self, request, pk: int):
        return self._update(request, pk, partial=False)

    @extend_schema(
        operation_id="contacts_partial_update",
        summary=gettext_lazy("Modifier certains champs d'un contact prospect"),
        description=gettext_lazy("Droit R1 sur le contact ; les champs absents gardent leur valeur."),
        request=ContactInput(partial=True),
        responses={200: ContactSerializer, 400: BAD_INPUT,
                   403: ErrorSerializer, 404: ErrorSerializer},
        tags=["contacts"],
    )  # fmt: skip
    def patch(self, request, pk: int):
        return self._update(request, pk, partial=True)

    @extend_schema(
        operation_id="contacts_destroy",
        summary=gettext_lazy("Supprimer un contact prospect"),
        description=gettext_lazy(
            "Droit R1 sur le contact. Refusé (409, avec les raisons) tant qu'une tâche, une opportunité ou "
            "une proposition y est liée (D1)."
        ),
        responses={204: None, 403: ErrorSerializer, 404: ErrorSerializer, 409: DeleteRefusedSerializer},
        tags=["contacts"],
    )
    def delete(self, request, pk: int):
        prospect = get_prospect_for(request.user, pk)
        require_right(request.user, R1, prospect)
        name = str(prospect)
        try:
            prospect_delete(prospect=prospect, by=request.user)
        except ProspectNotDeletable as blocked:
            return Response(
                {"detail": blocked.message(name), "reasons": blocked.reasons}, status=status.HTTP_409_CONFLICT
            )
        return Response(status=status.HTTP_204_NO_CONTENT)
