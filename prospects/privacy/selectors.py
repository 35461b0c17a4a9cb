"""Reads of the personal-data rules that other features apply: who may be exported or sent to."""

from django.db.models import QuerySet

from prospects.models import ProspectContact

OPPOSITION_FILTER = "opposition"  # the list's filter (prospects.list.filters.ProspectFilter)
ONLY_OPPOSED = "opposes"
NOT_OPPOSED = "sans"


def exportable_without_opposed(prospects: QuerySet[ProspectContact], filters: dict | None = None):
    """Opposed contacts are left out of exports and sends, unless the list was filtered on them."""
    chosen = (filters or {}).get(OPPOSITION_FILTER) or []
    if ONLY_OPPOSED in chosen:
        return prospects
    return prospects.filter(opposed_at__isnull=True)
