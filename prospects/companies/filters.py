"""The companies list's filters: one URL parameter per filter, applied on the visible companies."""

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.selectors import users_visible_to
from crm.choices import CompanyStatus, CompanyType, HeadcountBand, Region, RevenueBand
from crm.models import Sector
from crm.text import company_search_name_of


def _reps(request):
    return users_visible_to(request.user).order_by("last_name", "first_name", "id")


class CompanyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Rechercher"))
    type = django_filters.ChoiceFilter(choices=CompanyType.choices, label=_("Type"))
    status = django_filters.MultipleChoiceFilter(
        choices=CompanyStatus.choices, label=_("Statut"), widget=forms.CheckboxSelectMultiple
    )
    headcount = django_filters.MultipleChoiceFilter(
        field_name="headcount_band",
        choices=HeadcountBand.choices,
        label=_("Taille / effectif"),
        widget=forms.CheckboxSelectMultiple,
    )
    revenue = django_filters.MultipleChoiceFilter(
        field_name="revenue_band",
        choices=RevenueBand.choices,
        label=_("Fourchette de CA"),
        widget=forms.CheckboxSelectMultiple,
    )
    sector = django_filters.ModelMultipleChoiceFilter(
        queryset=Sector.objects.all(), label=_("Secteur d'activité"), widget=forms.CheckboxSelectMultiple
    )
    region = django_filters.MultipleChoiceFilter(
        choices=Region.choices, label=_("Région"), widget=forms.CheckboxSelectMultiple
    )
    assigned_to = django_filters.ModelMultipleChoiceFilter(
        queryset=_reps, label=_("Compte affecté à"), widget=forms.CheckboxSelectMultiple
    )

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Accents and case never matter: the folded name, as the company picker searches it."""
        term = company_search_name_of(value)
        return queryset.filter(search_name__contains=term) if term else queryset

    def active_count(self) -> int:
        data = self.form.cleaned_data if self.form.is_bound and self.form.is_valid() else {}
        return sum(1 for name, value in data.items() if name != "q" and value not in (None, "", []))
