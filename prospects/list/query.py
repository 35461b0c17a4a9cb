"""The list's URL query: only the filters that are set; sort, page and page size only when not the default.

Every link the list builds (sort headers, pager, page sizes, removing a filter) goes through
`list_url`, and the list view redirects a request whose query is not canonical to the one
that is, so a bookmarked or shared list URL reads as exactly the filters it applies.
"""

from django.http import QueryDict
from django.urls import reverse

from prospects.list.paging import DEFAULT_SORT, sort_param

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 200


def page_size(data) -> int:
    """The requested page size if it is one of PAGE_SIZES, else the default."""
    try:
        size = int(data.get("per_page", DEFAULT_PAGE_SIZE))
    except (TypeError, ValueError):
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def _says_nothing(key: str, value: str) -> bool:
    """True for a value that changes nothing: empty, or the default sort, page or page size."""
    if value == "":
        return True
    if key == "sort":
        return sort_param(value) == DEFAULT_SORT
    if key == "per_page":
        return page_size({"per_page": value}) == DEFAULT_PAGE_SIZE
    if key == "page":
        return value == "1"
    return False


def canonical_query(data: QueryDict, **changes) -> QueryDict:
    """`data` with `changes` applied (None removes a key), without the values that say nothing."""
    query = data.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query.setlist(key, [str(value)])
    canonical = QueryDict(mutable=True)
    for key, values in query.lists():
        kept = [value for value in values if not _says_nothing(key, value)]
        if kept:
            canonical.setlist(key, kept)
    return canonical


def is_canonical(data: QueryDict) -> bool:
    return list(canonical_query(data).lists()) == list(data.lists())


def list_url(data: QueryDict, **changes) -> str:
    """The list's URL for `data` with `changes`, carrying only what is set."""
    query = canonical_query(data, **changes).urlencode()
    return reverse("prospects:list") + (f"?{query}" if query else "")
