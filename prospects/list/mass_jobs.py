"""Mass actions of the list (L6) past MASS_ACTION_SYNC_LIMIT contacts: run as a background job.

The view stores what to do and on which selection (`MassActionOptions`); the job rebuilds
the selection as the user sees it when it runs, re-checks the right, the rep and the lists,
then calls the very services the synchronous path calls, and reports exactly what they did.
"""

from collections.abc import Sequence

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.selectors import users_visible_to
from crm.selectors import diffusion_lists_visible_to
from prospects import services
from prospects.jobs.options import MassActionOptions
from prospects.jobs.runner import JobFailed, JobOutcome, JobProgress, job_create, job_handler
from prospects.list.forms import MassSubscriptionsForm
from prospects.list.selection import Selection
from prospects.models import ContactStatus, Job, JobKind
from prospects.rights import R1, R10, Right
from prospects.selectors import holds_right_somewhere
from prospects.services import (
    MassActionTooLarge,
    MassResult,
    prospects_mass_assign,
    prospects_mass_delete,
    prospects_mass_status,
    prospects_mass_subscriptions,
)

# The right each mass action needs (the list's page and the job both read it here).
MASS_RIGHTS: dict[str, Right] = {"assign": R1, "status": R1, "subscriptions": R10, "delete": R1}
SKIPPED_KEPT = 50  # the contacts a delete could not remove, named in the report


def mass_action_is_large(count: int) -> bool:
    """Past this many contacts, a mass action runs in the background (gunicorn's timeout)."""
    return count > settings.MASS_ACTION_SYNC_LIMIT


def mass_action_queue(*, action: str, selection: Selection, data: dict, by: User) -> Job:
    """Queue a mass action on `selection` with the form's cleaned `data`."""
    what: dict = {}
    if action == "assign":
        what["assigned_to"] = data["assigned_to"].pk if data["assigned_to"] else None
    elif action == "status":
        what["status"] = data["status"]
    elif action == "subscriptions":
        what["lists"] = [diffusion_list.pk for diffusion_list in data["lists"]]
        what["subscribe"] = data["operation"] == MassSubscriptionsForm.SUBSCRIBE
    options = MassActionOptions(action=action, **selection.as_options(), **what)
    return job_create(kind=JobKind.MASS_ACTION, by=by, options=options.to_options())


@job_handler(JobKind.MASS_ACTION)
def mass_action_job(job: Job, progress: JobProgress) -> JobOutcome:
    """Run a queued mass action as its author, with the author's rights at run time."""
    options = MassActionOptions.of(job)
    user = job.created_by
    right = MASS_RIGHTS.get(options.action)
    if right is None:
        raise JobFailed(_("Action de masse inconnue."))
    if not user.is_active or not holds_right_somewhere(user, right):
        raise JobFailed(_("Vous n'avez plus le droit de faire cette action sur des contacts."))
    prospects = Selection.of_job(options).prospects(user)
    progress.start(prospects.order_by().count())
    try:
        result = _mass_run(options, user=user, prospects=prospects, progress=progress.advance)
    except MassActionTooLarge as too_large:
        raise JobFailed(
            _("%(n)s contacts sélectionnés : une action de masse est limitée à %(limit)s contacts.")
            % {"n": grouped(too_large.count), "limit": grouped(services.MASS_ACTION_LIMIT)}
        ) from too_large
    changed_key = "deleted" if options.action == "delete" else "changed"
    counts = {
        "selected": result.selected,
        changed_key: result.changed,
        "unchanged": result.unchanged,
        "refused": result.refused,
    }
    if options.action == "delete":
        counts["skipped"] = len(result.skipped)
    skipped = [{"contact": contact, "reason": reason} for contact, reason in result.skipped[:SKIPPED_KEPT]]
    # The names of the first deleted contacts, for the job page's sentence (mass_done_message).
    deleted = [{"contact": name, "deleted": True} for name in result.deleted_names]
    return JobOutcome(counts=counts, errors=skipped + deleted)


def _mass_run(options: MassActionOptions, *, user: User, prospects, progress) -> MassResult:
    if options.action == "assign":
        rep = None
        if options.assigned_to is not None:
            rep = users_visible_to(user).filter(pk=options.assigned_to).first()
            if rep is None:
                raise JobFailed(_("Ce commercial n'est plus disponible : aucun contact n'a été réaffecté."))
        return prospects_mass_assign(prospects=prospects, to=rep, by=user, progress=progress)
    if options.action == "status":
        if options.status not in ContactStatus.values:
            raise JobFailed(_("Statut inconnu."))
        return prospects_mass_status(prospects=prospects, status=options.status, by=user, progress=progress)
    if options.action == "subscriptions":
        lists = list(diffusion_lists_visible_to(user).filter(pk__in=options.lists))
        if len(lists) != len(set(options.lists)):
            raise JobFailed(_("Une des listes de diffusion n'est plus disponible : aucun abonnement n'a changé."))
        return prospects_mass_subscriptions(
            prospects=prospects, lists=lists, subscribe=options.subscribe, by=user, progress=progress
        )
    return prospects_mass_delete(prospects=prospects, by=user, progress=progress)


def grouped(n: int) -> str:
    """A count as the page shows it: "5 000" in French, "5,000" in English."""
    return number_format(n, force_grouping=True)


def mass_done_message(
    action: str,
    changed: int,
    *,
    rep: object = None,
    status: str = "",
    subscribe: bool = True,
    deleted_names: Sequence[str] = (),
) -> str:
    """One sentence saying what a mass action did, the same after a request and after a job.

    A deletion names the contacts that went, up to a few, then "et N autres".
    """
    n = grouped(changed)
    if action == "assign":
        return ngettext("%(n)s contact réaffecté à %(rep)s.", "%(n)s contacts réaffectés à %(rep)s.", changed) % {
            "n": n,
            "rep": rep or _("personne"),
        }
    if action == "status":
        label = ContactStatus(status).label if status in ContactStatus.values else status
        return ngettext(
            "%(n)s contact passé au statut « %(status)s ».", "%(n)s contacts passés au statut « %(status)s ».", changed
        ) % {"n": n, "status": label}
    if action == "subscriptions":
        if subscribe:
            return ngettext("%(n)s contact abonné.", "%(n)s contacts abonnés.", changed) % {"n": n}
        return ngettext("%(n)s contact désabonné.", "%(n)s contacts désabonnés.", changed) % {"n": n}
    if not deleted_names:
        return ngettext("%(n)s contact supprimé.", "%(n)s contacts supprimés.", changed) % {"n": n}
    names = ", ".join(deleted_names)
    others = changed - len(deleted_names)
    if others > 0:
        return ngettext(
            "%(n)s contacts supprimés : %(names)s et %(others_n)s autre.",
            "%(n)s contacts supprimés : %(names)s et %(others_n)s autres.",
            others,
        ) % {"n": n, "names": names, "others_n": grouped(others)}
    return ngettext("%(n)s contact supprimé : %(names)s.", "%(n)s contacts supprimés : %(names)s.", changed) % {
        "n": n,
        "names": names,
    }


def mass_job_summary(job: Job) -> str:
    """One sentence saying what a finished mass-action job did."""
    options = MassActionOptions.of(job)
    changed = job.counts.get("deleted" if options.action == "delete" else "changed", 0)
    rep = None
    if options.action == "assign" and options.assigned_to:
        rep = users_visible_to(job.created_by).filter(pk=options.assigned_to).first()
    names = [item["contact"] for item in job.errors if item.get("deleted")] if options.action == "delete" else ()
    return mass_done_message(
        options.action, changed, rep=rep, status=options.status, subscribe=options.subscribe, deleted_names=names
    )
