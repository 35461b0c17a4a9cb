"""Sections other apps add to the contact card (the tasks tab), rendered server-side.

Apps above prospects (tasks) register a section in their AppConfig.ready(); the card renders
each registered section into its page. Prospects never imports them, so dependencies keep one
direction: accounts ← crm ← prospects ← tasks.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.safestring import SafeString

from prospects.models import ProspectContact

# (request, visible contact) → the section's HTML; the renderer checks its own rights.
SectionRenderer = Callable[[HttpRequest, ProspectContact], SafeString]


@dataclass(frozen=True)
class CardSection:
    name: str
    render: SectionRenderer
    order: int  # sections are shown by increasing order, after the deals


_SECTIONS: dict[str, CardSection] = {}


def card_section_register(name: str, render: SectionRenderer, *, order: int = 100) -> None:
    """Add (or replace, when ready() runs again) the card section called `name`."""
    _SECTIONS[name] = CardSection(name=name, render=render, order=order)


def card_sections_render(request: HttpRequest, prospect: ProspectContact) -> list[SafeString]:
    """The HTML of every registered section for this contact, in order."""
    sections = sorted(_SECTIONS.values(), key=lambda section: (section.order, section.name))
    return [section.render(request, prospect) for section in sections]
