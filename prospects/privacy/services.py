"""Writes of the personal-data features: legal basis, opposition, erasure, the accountability log."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from prospects.models import LegalBasis, ProspectContact, ProspectNote
from prospects.privacy.models import PersonalDataAction, PersonalDataLog
from prospects.privacy.register import opposition_register_add
from prospects.services import (
    prospect_delete_blockers,
    prospect_inbound_record,
    prospect_search_fields_refresh,
    prospects_data_changed,
    prospects_with_links,
)

ANONYMOUS = "Anonyme"
# What anonymisation blanks: everything that identifies or locates the person.
ANONYMISED_BLANK_FIELDS = (
    "gender", "department", "job_title", "email", "phone", "mobile", "fax", "address", "postcode", "city",
    "origin_comment", "description", "consent_source",
)  # fmt: skip


def privacy_log(*, action: str, by: User | None, count: int, filters: dict | None = None, detail: str = "") -> None:
    """Accountability: one row per export or erasure (who, when, how many, which filter)."""
    PersonalDataLog.objects.create(action=action, by=by, count=count, filters=filters or {}, detail=detail[:255])


@transaction.atomic
def prospect_legal_basis_set(
    *, prospect: ProspectContact, legal_basis: str, consent_date: date | None, consent_source: str, by: User | None
) -> None:
    if legal_basis != LegalBasis.CONSENT:
        consent_date, consent_source = None, ""
    prospect.legal_basis, prospect.consent_date, prospect.consent_source = legal_basis, consent_date, consent_source
    prospect.updated_by = by
    prospect.full_clean(exclude=["entities", "skills", "diffusion_lists"])
    prospect.save(update_fields=["legal_basis", "consent_date", "consent_source", "updated_by", "updated_at"])


def prospect_reply_record(*, prospect: ProspectContact, on: date) -> bool:
    """A reply of the prospect logged by hand (a call, an e-mail): the last contact from them."""
    return prospect_inbound_record(prospect_id=prospect.pk, on=on)


@transaction.atomic
def prospect_opposition_record(*, prospect: ProspectContact, channel: str, by: User | None) -> None:
    """The person objects to prospecting: dated, unsubscribed from every list, hashed into the register."""
    ProspectContact.objects.select_for_update().filter(pk=prospect.pk).values_list("pk", flat=True).get()
    if prospect.opposed_at is None:
        prospect.opposed_at = timezone.now()
    prospect.opposition_channel = channel
    prospect.updated_by = by
    prospect.save(update_fields=["opposed_at", "opposition_channel", "updated_by", "updated_at"])
    prospect.diffusion_lists.clear()
    opposition_register_add(email=prospect.email, phones=(prospect.phone, prospect.mobile), channel=channel)
    privacy_log(action=PersonalDataAction.OPPOSITION, by=by, count=1, detail=f"#{prospect.pk}")
    prospects_data_changed()


def _anonymise(prospect: ProspectContact, by: User | None) -> None:
    for name in ANONYMISED_BLANK_FIELDS:
        setattr(prospect, name, "")
    prospect.last_name, prospect.first_name = ANONYMOUS, str(prospect.pk)
    prospect.consent_date = None
    prospect.updated_by = by
    prospect_search_fields_refresh(prospect)
    prospect.save()
    ProspectNote.objects.filter(prospect=prospect).delete()
    prospect.diffusion_lists.clear()
    prospect.skills.clear()
    # The history rows hold no name (HISTORY_TRACKED_FIELDS) but the last and first names.
    prospect.history.update(last_name=ANONYMOUS, first_name=str(prospect.pk))


def prospect_erase(*, prospect: ProspectContact, by: User | None, anonymise: bool, log: bool = True) -> str:
    """The right to erasure: delete the contact and its notes, or anonymise it when asked or when
    tasks or deals still link to it (D1). An objecting person's hashes stay in the register.

    Returns "deleted" or "anonymised".
    """
    with transaction.atomic():
        ProspectContact.objects.select_for_update().filter(pk=prospect.pk).values_list("pk", flat=True).get()
        if prospect.opposed_at:  # the register keeps them, whatever happens to the contact
            opposition_register_add(
                email=prospect.email, phones=(prospect.phone, prospect.mobile), channel=prospect.opposition_channel
            )
        blocked = bool(prospect_delete_blockers(prospects_with_links([prospect.pk]).get()))
        if anonymise or blocked:
            _anonymise(prospect, by)
            outcome, action = "anonymised", PersonalDataAction.ANONYMISATION
        else:
            pk = prospect.pk
            ProspectContact.history.filter(id=pk).delete()
            prospect.delete()
            prospect.pk = pk
            outcome, action = "deleted", PersonalDataAction.ERASURE
        if log:
            privacy_log(action=action, by=by, count=1, detail=f"#{prospect.pk}")
        prospects_data_changed()
    return outcome


def erasure_message(outcome: str) -> str:
    if outcome == "deleted":
        return _("Le contact et ses notes ont été supprimés.")
    return _("Le contact a été anonymisé et ses notes supprimées.")
