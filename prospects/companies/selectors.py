"""Reads of the companies pages: the list's page and what a company's page shows."""

from dataclasses import dataclass
from types import SimpleNamespace

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from accounts.models import User
from crm.models import Company, Opportunity
from crm.selectors import companies_visible_to
from prospects.companies.filters import CompanyFilter
from prospects.models import ProspectContact
from prospects.selectors import opportunities_visible_to, prospects_visible_to

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
SORTS = {"name": ("search_name", "id"), "-name": ("-search_name", "-id"), "-updated": ("-updated_at", "-id")}


@dataclass
class CompanyListPage:
    filterset: CompanyFilter
    page: Page
    sort: str
    page_size: int


def page_size_of(value: str | None) -> int:
    return int(value) if value and value.isdigit() and int(value) in PAGE_SIZES else DEFAULT_PAGE_SIZE


def company_list_page(user: User, data) -> CompanyListPage:
    """One page of the visible companies matching the filters: a count and a page query.

    An offset pager: a tenant holds far fewer companies than contacts (tens of thousands at
    most), so OFFSET over the folded-name order stays cheap, and the query count is constant.
    """
    base = companies_visible_to(user).select_related("assigned_to", "sector", "parent")
    filterset = CompanyFilter(data, queryset=base, request=SimpleNamespace(user=user))
    queryset = filterset.qs if filterset.is_valid() else base.none()
    sort = data.get("sort") if data.get("sort") in SORTS else "name"
    size = page_size_of(data.get("page_size"))
    page = Paginator(queryset.order_by(*SORTS[sort]), size).get_page(data.get("page"))
    return CompanyListPage(filterset=filterset, page=page, sort=sort, page_size=size)


def company_contacts(user: User, company: Company) -> QuerySet[ProspectContact]:
    return (
        prospects_visible_to(user)
        .filter(company=company)
        .select_related("assigned_to")
        .order_by("last_name", "first_name", "id")
    )


def company_opportunities(user: User, company: Company) -> QuerySet[Opportunity]:
    """The company's deals and those of its visible contacts."""
    return (
        opportunities_visible_to(user)
        .filter(Q(company=company) | Q(prospect__company=company))
        .order_by("-created_at", "-id")
    )


def companies_for_parent(user: User, exclude: Company | None = None) -> QuerySet[Company]:
    companies = companies_visible_to(user).select_related(None).order_by("name", "id")
    return companies.exclude(pk=exclude.pk) if exclude is not None and exclude.pk else companies
