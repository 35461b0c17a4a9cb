"""The duplicates page, the "Fusionner avec…" picker and the side-by-side merge screen."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prospects.duplicates.finder import duplicate_pairs
from prospects.duplicates.forms import MergeForm
from prospects.duplicates.jobs import (
    duplicates_job_pairs,
    duplicates_job_start,
    duplicates_last_job,
    duplicates_need_job,
)
from prospects.duplicates.merge import MergeRefused, merge_may, prospects_merge
from prospects.duplicates.rules import ContactKeys, contacts_matching, match_reasons, reason_labels
from prospects.rights import R1, R15
from prospects.search import search_terms
from prospects.selectors import get_prospect_for, holds_right_somewhere, prospects_changeable_by, prospects_visible_to

PAIRS_PER_PAGE = 50
MAX_MERGED = 5


def _require_duplicates_page(user) -> None:
    if not holds_right_somewhere(user, R1):
        raise PermissionDenied


@login_required
@require_GET
def duplicates_page(request: HttpRequest) -> HttpResponse:
    """Candidate pairs among the visible contacts, with why each pair matches (R1 holders)."""
    user = request.user
    _require_duplicates_page(user)
    as_job = duplicates_need_job(user)
    job = duplicates_last_job(user) if as_job else None
    pairs = duplicates_job_pairs(job) if job else [] if as_job else duplicate_pairs(prospects_visible_to(user))
    page = Paginator(pairs, PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    ids = {pk for pair in page for pk in (pair.first_id, pair.second_id)}
    # A job's result may be older than the contacts: show only the pairs still visible to the user.
    contacts = prospects_visible_to(user).in_bulk(ids)
    mergeable = set(prospects_changeable_by(user, R15).filter(pk__in=ids).values_list("pk", flat=True))
    rows = [
        {
            "first": contacts[pair.first_id],
            "second": contacts[pair.second_id],
            "reasons": pair.reason_labels,
            "can_merge": {pair.first_id, pair.second_id} <= mergeable,
        }
        for pair in page
        if pair.first_id in contacts and pair.second_id in contacts
    ]
    context = {"page": page, "rows": rows, "total": len(pairs), "as_job": as_job, "job": job}
    return render(request, "prospects/duplicates/list.html", context)


@login_required
@require_POST
def duplicates_search_start(request: HttpRequest) -> HttpResponse:
    _require_duplicates_page(request.user)
    job = duplicates_job_start(by=request.user)
    messages.info(request, _("La recherche des doublons est lancée ; cette page affichera son résultat."))
    return redirect("prospects:job_detail", pk=job.pk)


@login_required
@require_GET
def merge_pick(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Fusionner avec…": the contacts the rule matches, and a search for any other, to merge with."""
    user = request.user
    prospect = get_prospect_for(user, pk)
    if not merge_may(user, [prospect]):
        raise PermissionDenied
    mergeable = prospects_changeable_by(user, R15).exclude(pk=prospect.pk)
    keys = ContactKeys.of_contact(prospect)
    candidates = list(contacts_matching(mergeable, keys).order_by("last_name", "first_name", "id")[:20])
    for candidate in candidates:
        candidate.reasons = reason_labels(match_reasons(keys, ContactKeys.of_contact(candidate)))
    query = request.GET.get("q", "")[:100]
    found = []
    if terms := search_terms(query):
        results = mergeable.exclude(pk__in=[candidate.pk for candidate in candidates])
        for term in terms:
            results = results.filter(search_text__contains=term)
        found = list(results.order_by("last_name", "first_name", "id")[:20])
    context = {"prospect": prospect, "candidates": candidates, "found": found, "query": query}
    return render(request, "prospects/duplicates/pick.html", context)


def _merge_contacts(request: HttpRequest) -> list:
    """The contacts named by `ids` (2 to MAX_MERGED), all visible, and all mergeable by the user."""
    source = request.POST if request.method == "POST" else request.GET
    try:
        ids = list(dict.fromkeys(int(value) for value in source.getlist("ids")))
    except ValueError:
        raise Http404 from None
    if not 2 <= len(ids) <= MAX_MERGED:
        raise Http404
    found = prospects_visible_to(request.user).select_related("parent_company", "sector").in_bulk(ids)
    if len(found) != len(ids):
        raise Http404
    contacts = [found[pk] for pk in ids]
    if not merge_may(request.user, contacts):
        raise PermissionDenied
    return contacts


@login_required
@require_http_methods(["GET", "POST"])
def merge_screen(request: HttpRequest) -> HttpResponse:
    contacts = _merge_contacts(request)
    form = MergeForm(request.POST or None, contacts=contacts)
    if request.method == "POST" and form.is_valid():
        by_id = {contact.pk: contact for contact in contacts}
        survivor = by_id[form.cleaned_data["survivor"]]
        others = [contact for contact in contacts if contact.pk != survivor.pk]
        try:
            record = prospects_merge(survivor=survivor, others=others, picks=form.picks(), by=request.user)
        except MergeRefused as refused:
            form.add_error(None, refused.message)
        else:
            count = len(record.merged_contacts)
            message = ngettext(
                "%(count)s contact fusionné dans %(contact)s.", "%(count)s contacts fusionnés dans %(contact)s.", count
            )
            messages.success(request, message % {"count": count, "contact": survivor})
            return redirect(reverse("prospects:detail", args=[survivor.pk]) + "#history")
    keys = [ContactKeys.of_contact(contact) for contact in contacts]
    reasons = reason_labels(match_reasons(keys[0], keys[1])) if len(keys) == 2 else []
    context = {"form": form, "contacts": contacts, "reasons": reasons}
    return render(request, "prospects/duplicates/merge.html", context)
