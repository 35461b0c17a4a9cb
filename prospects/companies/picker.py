"""What the company picker adds for the companies: the "Créer la société « … »" choice."""

from django.urls import reverse

from accounts.models import User
from crm.models import Company
from crm.text import company_search_name_of
from prospects.rights import R17, has_right


def company_quick_create_url(user: User, query: str, found: list[Company]) -> str:
    """Where the picker posts a new company's name; "" when the user may not or need not create it."""
    term = company_search_name_of(query)
    if not term or not has_right(user, R17):
        return ""
    if any(company_search_name_of(company.name) == term for company in found):
        return ""  # the company exists: choose it rather than create its twin
    return reverse("prospects:company_quick_create")
