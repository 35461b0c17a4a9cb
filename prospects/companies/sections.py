"""Sections other apps add to the company page (its tasks), rendered server-side.

As with the contact card (prospects.card.sections), apps above prospects register a section in
their AppConfig.ready(), so prospects never imports them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.safestring import SafeString

from crm.models import Company

# (request, visible company) → the section's HTML; the renderer checks its own rights.
CompanySectionRenderer = Callable[[HttpRequest, Company], SafeString]


@dataclass(frozen=True)
class CompanySection:
    name: str
    render: CompanySectionRenderer
    order: int


_SECTIONS: dict[str, CompanySection] = {}


def company_section_register(name: str, render: CompanySectionRenderer, *, order: int = 100) -> None:
    """Add (or replace, when ready() runs again) the company page section called `name`."""
    _SECTIONS[name] = CompanySection(name=name, render=render, order=order)


def company_sections_render(request: HttpRequest, company: Company) -> list[SafeString]:
    sections = sorted(_SECTIONS.values(), key=lambda section: (section.order, section.name))
    return [section.render(request, company) for section in sections]
