"""Visibility selectors for prospect contacts, their notes and the background jobs."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import entity_ids_of
from crm.models import Opportunity, Proposal
from crm.selectors import client_contacts_visible_to, companies_visible_to, scoped_by_entities
from prospects.card.actions import RIGHTS_NEEDED
from prospects.contacts import fold, normalise_email
from prospects.list.compiled import AnyOfIds, compiled_read
from prospects.models import (
    HISTORY_TRACKED_FIELDS,
    ContactStatus,
    Job,
    ProspectContact,
    ProspectContactGroupObjectPermission,
    ProspectContactUserObjectPermission,
    ProspectNote,
)
from prospects.rights import R12, R13, Right, as_right, has_right, rep_rule_q


def prospects_visible_to(user: User) -> QuerySet[ProspectContact]:
    """Every view, export and task reaches contacts through this queryset.

    Shared with one of the user's entities, granted to them object by object, or assigned to
    them (the rep rule: a rep sees and edits their contacts wherever they are shared).
    """
    return scoped_by_entities(
        ProspectContact.objects.select_related("company", "company__assigned_to", "assigned_to"),
        user,
        user_perms=ProspectContactUserObjectPermission,
        group_perms=ProspectContactGroupObjectPermission,
        also=rep_rule_q(user),
    )


def get_prospect_for(user: User, pk: int) -> ProspectContact:
    """The contact if the user may see it; 404 otherwise, exactly like a missing one."""
    return get_object_or_404(prospects_visible_to(user), pk=pk)


def opportunities_visible_to(user: User) -> QuerySet[Opportunity]:
    """Deals on a visible contact, or on a visible company when they have no contact."""
    return Opportunity.objects.filter(
        Q(prospect__in=prospects_visible_to(user).values("pk"))
        | Q(prospect__isnull=True, company__in=companies_visible_to(user).values("pk"))
    ).select_related("company", "prospect", "assigned_to")


def proposals_visible_to(user: User) -> QuerySet[Proposal]:
    """Proposals of the visible opportunities."""
    return Proposal.objects.filter(opportunity__in=opportunities_visible_to(user).values("pk")).select_related(
        "opportunity"
    )


def card_deals(user: User, prospect: ProspectContact) -> tuple[list[Opportunity], list[Proposal]]:
    """The card's deals and proposals, newest first, for a contact the user may see.

    Every deal on a visible contact is visible (opportunities_visible_to), so they are read
    without the visibility subqueries. A proposal shows when its deal is visible: for a deal on
    this contact that goes without saying; any other deal (rare) is checked in one query.
    """
    opportunities = list(
        Opportunity.objects.filter(prospect=prospect)
        .select_related("company", "prospect", "assigned_to")
        .order_by("-created_at", "-id")
    )
    proposals = list(Proposal.objects.filter(prospect=prospect).select_related("opportunity").order_by("-created_at"))
    own = {opportunity.pk for opportunity in opportunities}
    others = {proposal.opportunity_id for proposal in proposals} - own
    if others:
        own |= set(opportunities_visible_to(user).filter(pk__in=others).values_list("pk", flat=True))
        proposals = [proposal for proposal in proposals if proposal.opportunity_id in own]
    return opportunities, proposals


def notes_visible_to(user: User, prospect: ProspectContact) -> QuerySet[ProspectNote]:
    """Notes of one (visible) contact: all entities with R12/R13, else the user's entities."""
    notes = ProspectNote.objects.filter(prospect=prospect).select_related("author", "entity")
    if has_right(user, R12, prospect) or has_right(user, R13, prospect):
        return notes
    return notes.filter(entity_id__in=entity_ids_of(user))


def jobs_visible_to(user: User) -> QuerySet[Job]:
    """A user follows the jobs they started; a superuser sees them all."""
    jobs = Job.objects.select_related("created_by")
    return jobs if user.is_superuser else jobs.filter(created_by=user)


def get_job_for(user: User, pk: int) -> Job:
    return get_object_or_404(jobs_visible_to(user), pk=pk)


# ---------------------------------------------------------------------------------------
# Rights on contacts, as the list and the mass actions read them (the list's reads: prospects/list/).

# Bumped by every service write after commit: cached reads (the list's counts) key on it.
DATA_VERSION_KEY = "prospects:data-version"


def count_subquery(queryset: QuerySet, fk: str = "prospect"):
    """How many rows of `queryset` point to the outer contact, as a correlated subquery (0 if none)."""
    counted = queryset.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted[:1]), Value(0))


LIST_ROW_RIGHTS = RIGHTS_NEEDED  # what the row menus read (prospects.card.actions)


def _object_grants(user: User, codenames: set[str]) -> tuple[QuerySet, QuerySet]:
    """The user's and their groups' django-guardian rows (admin grants on one contact) for these rights."""
    return (
        ProspectContactUserObjectPermission.objects.filter(user_id=user.pk, permission__codename__in=codenames),
        ProspectContactGroupObjectPermission.objects.filter(group__user=user.pk, permission__codename__in=codenames),
    )


def prospects_changeable_by(user: User, right: Right) -> QuerySet[ProspectContact]:
    """Visible contacts on which the user holds `right`: globally, by the rep rule, or on the contact itself."""
    visible = prospects_visible_to(user)
    if has_right(user, right):
        return visible
    granted = Q(pk__in=[])
    for grants in _object_grants(user, {right.codename}):
        granted |= Q(Exists(grants.filter(content_object_id=OuterRef("pk"))))
    if (as_rep := rep_rule_q(user, right)) is not None:
        granted |= as_rep
    return visible.filter(granted)


def holds_right_somewhere(user: User, right: Right) -> bool:
    """True if the user holds the right globally or on at least one contact (gate of mass actions)."""
    if has_right(user, right):
        return True
    if not user.is_active:
        return False
    as_rep = rep_rule_q(user, right)
    if as_rep is not None and ProspectContact.objects.filter(as_rep).exists():
        return True
    return any(grants.exists() for grants in _object_grants(user, {right.codename}))


def prospect_row_rights(user: User, prospect_ids: list[int]) -> dict[int, set[Right]]:
    """The list's row rights for each contact, in at most two queries whatever the page size.

    The admin's grants to the user and to their groups, and the contacts the rep rule gives, are
    read in one UNION ALL (the rule's rows carry an empty codename).
    """
    global_rights = {right for right in LIST_ROW_RIGHTS if has_right(user, right)}
    rights = {pk: set(global_rights) for pk in prospect_ids}
    missing = set(LIST_ROW_RIGHTS) - global_rights
    if not (missing and rights and user.is_active):
        return rights
    by_rule = [right for right in missing if rep_rule_q(user, right) is not None]

    def granted(ids: list[int]) -> QuerySet:
        parts = [
            grants.filter(AnyOfIds("content_object_id", ids))
            .order_by()
            .values_list("content_object_id", "permission__codename")
            for grants in _object_grants(user, {right.codename for right in missing})
        ]
        if by_rule:
            assigned = ProspectContact.objects.filter(rep_rule_q(user), AnyOfIds("pk", ids)).order_by()
            parts.append(assigned.annotate(rule=Value("", output_field=CharField())).values_list("pk", "rule"))
        return parts[0].union(*parts[1:], all=True)

    # Compiled once per user scope (the missing rights and the rep rule follow from it).
    for prospect_id, codename in compiled_read("list row rights", user, granted).rows(list(rights)):
        if codename:
            rights[prospect_id].add(as_right(codename))
        else:
            rights[prospect_id].update(by_rule)
    return rights


def companies_visible_among(user: User, company_ids: set[int]) -> set[int]:
    """Which of these companies the user may open (the list's "Dossier du compte"), in one query."""
    if not company_ids:
        return set()
    return set(companies_visible_to(user).filter(pk__in=company_ids).values_list("pk", flat=True))


def prospect_duplicates(
    user: User, *, email: str, last_name: str, first_name: str, company_id: int | None, exclude_pk=None, limit=10
) -> list[ProspectContact]:
    """B1: visible contacts with the same e-mail, or the same name at the same company (or both free).

    Names are compared folded, like the import's matching ("MENARD elodie" is "Ménard Élodie"):
    `search_text` starts with the folded last and first names, so a prefix LIKE on it uses the
    trigram index on PostgreSQL (and the company's index narrows it first for a company).
    """
    same = Q(company_id=company_id) if company_id else Q(company__isnull=True)
    same &= Q(search_text__startswith=f"{fold(last_name)}|{fold(first_name)}|")
    email = normalise_email(email)
    if email:
        same |= Q(email=email)
    candidates = prospects_visible_to(user).filter(same)
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    return list(candidates.order_by("last_name", "first_name", "id")[:limit])


@dataclass(frozen=True)
class HistoryChange:
    """One changed field of one historical row of a contact (B4)."""

    date: datetime
    user: str
    field: str
    old: str
    new: str


def _history_visible_ids(viewer: User, rows: list) -> tuple[set[int], set[int], set[int]] | None:
    """The companies, users and client contacts named in `rows` that `viewer` may see (one query each).

    None for a superuser, who sees them all. A user is visible when they share one of the
    viewer's entities (active or not: the history names former colleagues too).
    """
    if viewer.is_superuser:
        return None
    company_ids = {row.company_id for row in rows} - {None}
    user_ids = {row.assigned_to_id for row in rows} | {row.history_user_id for row in rows}
    user_ids -= {None, viewer.pk}
    client_ids = {row.client_contact_id for row in rows} - {None}
    companies = set(companies_visible_among(viewer, company_ids))
    users = {viewer.pk}
    if user_ids:
        colleagues = User.objects.filter(pk__in=user_ids, entities__in=entity_ids_of(viewer))
        users |= set(colleagues.values_list("pk", flat=True))
    clients = set()
    if client_ids:
        clients = set(client_contacts_visible_to(viewer).filter(pk__in=client_ids).values_list("pk", flat=True))
    return companies, users, clients


def prospect_history(prospect: ProspectContact, *, viewer: User) -> list[HistoryChange]:
    """The contact's changes of status, rep, company and conversion, newest first, as `viewer` may see them.

    Consecutive historical rows are compared; a field that did not change between two rows
    (a save that touched other columns) yields nothing. A company, rep, client contact or
    author outside the viewer's entities is shown as a placeholder, never by name: one query
    for the history, then at most one per kind of name to check.
    """
    rows = list(
        ProspectContact.history.filter(id=prospect.pk)
        .select_related("history_user", "assigned_to", "company", "client_contact")
        .order_by("history_date", "history_id")
    )
    visible = _history_visible_ids(viewer, rows)
    hidden = _("(hors de vos entités)")
    statuses = dict(ContactStatus.choices)
    labels = {
        "status": _("Statut"),
        "assigned_to": _("Affecté à"),
        "company": _("Société"),
        "client_contact": _("Conversion en contact client"),
    }
    fields = {name: ProspectContact._meta.get_field(name) for name in HISTORY_TRACKED_FIELDS}

    def may_see(kind: int, pk: int | None) -> bool:
        return pk is None or visible is None or pk in visible[kind]

    def shown(row, name: str) -> str:
        if name == "status":
            return str(statuses.get(row.status, row.status))
        related = getattr(row, name)
        if related is None:
            return ""
        kind = {"company": 0, "assigned_to": 1, "client_contact": 2}[name]
        return str(related) if may_see(kind, related.pk) else hidden

    def author(row) -> str:
        if row.history_user is None:
            return ""
        return str(row.history_user) if may_see(1, row.history_user_id) else hidden

    changes: list[HistoryChange] = []
    previous = None
    for row in rows:
        if previous is not None and row.history_type == "~":
            for name, model_field in fields.items():
                if getattr(previous, model_field.attname) != getattr(row, model_field.attname):
                    changes.append(
                        HistoryChange(
                            date=row.history_date,
                            user=author(row),
                            field=labels[name],
                            old=shown(previous, name),
                            new=shown(row, name),
                        )
                    )
        previous = row
    changes.reverse()
    return changes
