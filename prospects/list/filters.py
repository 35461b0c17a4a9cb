"""The list page's filters (L4): one URL parameter per filter, applied on the visible queryset."""

from datetime import timedelta
from types import SimpleNamespace

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import entities_visible_to, users_visible_to
from crm.choices import CompanyType, HeadcountBand, RevenueBand
from crm.models import Sector, Skill
from crm.selectors import companies_visible_to
from prospects.models import ContactStatus, ProspectContact
from prospects.privacy.dates import retention_limit
from prospects.privacy.selectors import NOT_OPPOSED, ONLY_OPPOSED
from prospects.search import search_terms
from prospects.selectors import prospects_visible_to

NO_COMPANY = "aucune"
OPPOSITION_CHOICES = [(NOT_OPPOSED, _("Sans opposition")), (ONLY_OPPOSED, _("Opposés à la prospection"))]
LAST_INBOUND_CHOICES = [
    ("recent", _("Moins d'un an")),
    ("older", _("Plus d'un an")),
    ("expired", _("Au-delà de la durée de conservation")),
    ("never", _("Jamais")),
]
COMPANY_TYPE_CHOICES = [*CompanyType.choices, (NO_COMPANY, _("Aucune (contact libre)"))]


# The querysets depend on the user: the filterset is always built with the request.
def _reps(request):
    return users_visible_to(request.user).order_by("last_name", "first_name", "id")


def _entities(request):
    return entities_visible_to(request.user)


def _companies(request):
    return companies_visible_to(request.user)


class ProspectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Rechercher"))
    assigned_to = django_filters.ModelMultipleChoiceFilter(
        queryset=_reps, method="filter_in", label=_("Affectation"), widget=forms.CheckboxSelectMultiple
    )
    company_type = django_filters.ChoiceFilter(
        choices=COMPANY_TYPE_CHOICES, method="filter_company_type", label=_("Type de société")
    )
    company = django_filters.ModelChoiceFilter(queryset=_companies, label=_("Société"), widget=forms.HiddenInput)
    status = django_filters.MultipleChoiceFilter(
        choices=ContactStatus.choices, method="filter_in", label=_("Statut"), widget=forms.CheckboxSelectMultiple
    )
    entity = django_filters.ModelMultipleChoiceFilter(
        queryset=_entities, method="filter_entities", label=_("Entités"), widget=forms.CheckboxSelectMultiple
    )
    headcount = django_filters.MultipleChoiceFilter(
        field_name="company__headcount_band",
        choices=HeadcountBand.choices,
        method="filter_in",
        label=_("Taille / effectif"),
        widget=forms.CheckboxSelectMultiple,
    )
    revenue = django_filters.MultipleChoiceFilter(
        field_name="company__revenue_band",
        choices=RevenueBand.choices,
        method="filter_in",
        label=_("Fourchette de CA"),
        widget=forms.CheckboxSelectMultiple,
    )
    sector = django_filters.ModelMultipleChoiceFilter(
        queryset=Sector.objects.all(),
        method="filter_sector",
        label=_("Secteur d'activité"),
        widget=forms.CheckboxSelectMultiple,
    )
    skill = django_filters.ModelMultipleChoiceFilter(
        queryset=Skill.objects.select_related("category"),
        method="filter_skills",
        label=_("Environnement / compétences"),
        widget=forms.CheckboxSelectMultiple,
    )

    # GDPR (issue 17): opposition to prospecting, and the age of the last contact from the prospect.
    opposition = django_filters.MultipleChoiceFilter(
        choices=OPPOSITION_CHOICES,
        method="filter_opposition",
        label=_("Opposition"),
        widget=forms.CheckboxSelectMultiple,
    )
    last_inbound = django_filters.MultipleChoiceFilter(
        choices=LAST_INBOUND_CHOICES,
        method="filter_last_inbound",
        label=_("Dernier contact du prospect"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ProspectContact
        fields: list[str] = []

    # The field names of the multiple-choice filters, used by the template and the tests.
    MULTIPLE = (
        "assigned_to", "status", "entity", "headcount", "revenue", "sector", "skill", "opposition", "last_inbound",
    )  # fmt: skip

    def filter_opposition(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value or set(value) >= {NOT_OPPOSED, ONLY_OPPOSED}:
            return queryset
        return queryset.filter(opposed_at__isnull=NOT_OPPOSED in value)

    def filter_last_inbound(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        today = timezone.localdate()
        one_year, limit = today - timedelta(days=365), retention_limit(today)
        ranges = {
            "recent": Q(last_inbound_at__gte=one_year),
            "older": Q(last_inbound_at__lt=one_year, last_inbound_at__gte=limit),
            "expired": Q(last_inbound_at__lt=limit),
            "never": Q(last_inbound_at__isnull=True),
        }
        chosen = Q(pk__in=[])
        for key in value:
            chosen |= ranges[key]
        return queryset.filter(chosen)

    def filter_in(self, queryset: QuerySet, name: str, value) -> QuerySet:
        # One `IN (...)` instead of django-filter's OR of equalities with DISTINCT.
        return queryset.filter(**{f"{name}__in": list(value)}) if value else queryset

    def filter_sector(self, queryset: QuerySet, name: str, value) -> QuerySet:
        # The contact's own sector or, when it has none, its company's: one WHERE with an OR,
        # on the contact's sector index and the company's primary key (already joined for the rows).
        if not value:
            return queryset
        sectors = list(value)
        return queryset.filter(Q(sector__in=sectors) | Q(sector__isnull=True, company__sector__in=sectors))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Every term must appear in the folded search column ("helene" finds "Hélène").
        for term in search_terms(value):
            queryset = queryset.filter(search_text__contains=term)
        return queryset

    def filter_company_type(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == NO_COMPANY:
            return queryset.filter(company__isnull=True)
        return queryset.filter(company__type=value) if value else queryset

    def filter_entities(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        through = ProspectContact.entities.through
        return queryset.filter(
            Exists(through.objects.filter(prospectcontact_id=OuterRef("pk"), entity__in=list(value)))
        )

    def filter_skills(self, queryset: QuerySet, name: str, value) -> QuerySet:
        # Any of the chosen skills (OR): a contact with Java or Python.
        if not value:
            return queryset
        through = ProspectContact.skills.through
        return queryset.filter(Exists(through.objects.filter(prospectcontact_id=OuterRef("pk"), skill__in=list(value))))

    @property
    def active_count(self) -> int:
        """How many filters (besides the search) are set: shown on the filter bar."""
        if not self.is_bound or not self.is_valid():
            return 0
        return sum(1 for name, value in self.form.cleaned_data.items() if name != "q" and value not in (None, "", []))


def filter_is_empty(data) -> bool:
    return not any(data.get(name) for name in ProspectFilter.base_filters)


def prospect_filter_for(user: User, data, queryset: QuerySet[ProspectContact] | None = None) -> ProspectFilter:
    queryset = prospects_visible_to(user) if queryset is None else queryset
    return ProspectFilter(data, queryset=queryset, request=SimpleNamespace(user=user))


def prospects_matching(user: User, data) -> tuple[ProspectFilter, QuerySet[ProspectContact]]:
    """The list's filterset bound to `data` (a QueryDict) and the visible contacts it keeps.

    A filter with an unusable value (an unknown code, a non-numeric id) keeps no contact:
    dropping it silently would widen the list, and "select all matching" with it, to every
    visible contact. The list shows the filter's error above an empty result instead.
    """
    filterset = prospect_filter_for(user, data)
    if filter_is_empty(data):
        # Nothing to validate or apply: the filter's form is built only by a page that shows it.
        return filterset, filterset.queryset
    if filterset.is_bound and not filterset.is_valid():
        return filterset, filterset.queryset.none()
    return filterset, filterset.qs


def filter_errors(user: User, data) -> list[str]:
    """The filter's errors as "Label : message" lines; empty when every value is usable."""
    filterset = prospect_filter_for(user, data, ProspectContact.objects.none())
    if filterset.is_valid():
        return []
    return [
        f"{filterset.filters[name].label} : {message}" if name in filterset.filters else str(message)
        for name, messages in filterset.form.errors.items()
        for message in messages
    ]
