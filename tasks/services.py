"""Writes on commercial tasks (T1–T4) and their attachments (T2)."""

import mimetypes
import posixpath
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from crm.storage import stored_files_delete_on_commit
from prospects.models import ProspectContact
from prospects.rights import R3
from prospects.services import prospect_inbound_record
from tasks.file_types import MAGIC, SNIFF_BYTES, format_matches, looks_like_markup
from tasks.models import Task, TaskAttachment, TaskPriority, TaskStatus

MASS_TASK_LIMIT = 1000
TASK_FIELDS = ("priority", "due_at", "type", "name", "followed_by", "description", "status")


def _task_saved(task: Task) -> Task:
    task.full_clean()
    task.save()
    return task


def _lock_prospect(prospect: ProspectContact) -> None:
    """Row lock: a concurrent contact delete waits, so its "linked to a task" check holds."""
    ProspectContact.objects.select_for_update().filter(pk=prospect.pk).values_list("pk", flat=True).get()


@transaction.atomic
def task_create(*, prospect: ProspectContact, by: User, **values) -> Task:
    _lock_prospect(prospect)
    task = Task(prospect=prospect, created_by=by, **{name: values[name] for name in TASK_FIELDS if name in values})
    _task_saved(task)
    if task.status == TaskStatus.DONE:
        prospect_inbound_record(prospect_id=prospect.pk)
    return task


@transaction.atomic
def task_update(*, task: Task, **values) -> Task:
    changed = [name for name in TASK_FIELDS if name in values and getattr(task, name) != values[name]]
    for name in changed:
        setattr(task, name, values[name])
    if changed:
        task.full_clean()
        task.save(update_fields=[*changed, "updated_at"])
    if "status" in changed and task.status == TaskStatus.DONE:  # a task done is a contact (GDPR, issue 17)
        prospect_inbound_record(prospect_id=task.prospect_id)
    return task


@transaction.atomic
def task_delete(*, task: Task) -> None:
    names = list(task.attachments.values_list("file", flat=True))
    task.delete()
    stored_files_delete_on_commit(names)


# ---------------------------------------------------------------------------------------
# Attachments (T2)


def attachment_limits() -> dict:
    """The published limits, as the upload form shows them."""
    return {
        "max_size": settings.TASK_ATTACHMENT_MAX_SIZE,
        "max_files": settings.TASK_ATTACHMENT_MAX_FILES,
        "extensions": sorted(settings.TASK_ATTACHMENT_EXTENSIONS),
    }


def safe_file_name(name: str) -> str:
    """The user's file name reduced to a displayable base name (no path, no control characters)."""
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/")
    name = posixpath.basename(name)
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C").strip().strip(".")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = f"{stem[: 190 - len(extension)]}.{extension}" if dot and len(extension) < 10 else name[:200]
    return name


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def attachment_content_type(name: str) -> str:
    """The type a download is served with, from the allow-listed extension, never from the client."""
    guessed, _encoding = mimetypes.guess_type(f"file.{_extension(name)}")
    if not guessed or guessed.startswith("text/html") or "svg" in guessed or "xml" in guessed:
        return "application/octet-stream"
    return guessed


def attachment_oversized_message(name: str) -> str:
    return _("%(file)s : fichier trop volumineux (%(size)s au maximum).") % {
        "file": safe_file_name(name) or _("(sans nom)"),
        "size": filesizeformat(settings.TASK_ATTACHMENT_MAX_SIZE),
    }


def attachments_too_many_message() -> str:
    return _("Trop de fichiers : %(max)d au maximum par envoi.") % {"max": settings.TASK_ATTACHMENT_MAX_FILES}


def attachment_check(upload) -> str:
    """The file's safe display name; ValidationError with a translated reason otherwise."""
    name = safe_file_name(upload.name)
    shown = name or _("(sans nom)")
    extension = _extension(name)
    if extension not in settings.TASK_ATTACHMENT_EXTENSIONS:
        raise ValidationError(
            _("%(file)s : type de fichier non autorisé (autorisés : %(allowed)s).")
            % {"file": shown, "allowed": ", ".join(sorted(settings.TASK_ATTACHMENT_EXTENSIONS))}
        )
    if upload.size > settings.TASK_ATTACHMENT_MAX_SIZE:
        raise ValidationError(attachment_oversized_message(shown))
    if upload.size == 0:
        raise ValidationError(_("%(file)s : fichier vide.") % {"file": shown})
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    # Checked by content, not by name: a binary format must start as it does, and nothing
    # else may read as markup (HTML, SVG, XML, script), whatever BOM or case hides it.
    matches = format_matches(extension, head)
    if (not matches or extension not in MAGIC) and looks_like_markup(head):
        raise ValidationError(_("%(file)s : les pages HTML et images SVG ne sont pas acceptées.") % {"file": shown})
    if not matches:
        raise ValidationError(
            _("%(file)s : le contenu ne correspond pas à un fichier .%(extension)s.")
            % {"file": shown, "extension": extension}
        )
    return name


@transaction.atomic
def attachments_add(*, task: Task, files: list, by: User) -> list[TaskAttachment]:
    """Store every file or none (checked first); each under a generated name (attachment_path)."""
    if not files:
        raise ValidationError(_("Choisissez au moins un fichier."))
    if len(files) > settings.TASK_ATTACHMENT_MAX_FILES:
        raise ValidationError(attachments_too_many_message())
    errors, names = [], []
    for upload in files:
        try:
            names.append(attachment_check(upload))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    stored = []
    for upload, name in zip(files, names, strict=True):
        attachment = TaskAttachment(
            task=task, original_name=name, content_type=attachment_content_type(name), size=upload.size, uploaded_by=by
        )
        attachment.file.save(name, upload, save=False)
        stored.append(attachment)
    try:
        for attachment in stored:
            attachment.full_clean()
            attachment.save()
    except Exception:
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        raise
    Task.objects.filter(pk=task.pk).update(updated_at=timezone.now())
    return stored


@transaction.atomic
def attachment_delete(*, attachment: TaskAttachment) -> None:
    name = attachment.file.name
    attachment.delete()
    stored_files_delete_on_commit([name])


# ---------------------------------------------------------------------------------------
# Mass actions (T4)


class MassTaskTooLarge(Exception):
    pass


@dataclass
class TaskMassResult:
    """What a mass action did: counts, and the ids it ignored (not found, not allowed)."""

    changed: int = 0
    unchanged: int = 0
    ignored: int = 0  # ids of tasks the user does not see, or of another contact
    refused: int = 0  # visible tasks the user may not change
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (task, reason)

    def messages(self, verb: str) -> list[tuple[str, str]]:
        """(level, text) pairs for django.contrib.messages."""
        out = []
        if self.changed:
            out.append(("success", verb % {"n": self.changed}))
        if self.unchanged:
            out.append(
                (
                    "info",
                    ngettext("%(n)d tâche était déjà dans cet état.", "%(n)d tâches étaient déjà dans cet état.",
                             self.unchanged) % {"n": self.unchanged},
                )
            )  # fmt: skip
        if self.refused:
            out.append(
                (
                    "warning",
                    ngettext("%(n)d tâche non modifiable : droit insuffisant.",
                             "%(n)d tâches non modifiables : droit insuffisant.", self.refused) % {"n": self.refused},
                )
            )  # fmt: skip
        if self.ignored:
            out.append(
                (
                    "warning",
                    ngettext("%(n)d tâche ignorée : introuvable ou d'un autre contact.",
                             "%(n)d tâches ignorées : introuvables ou d'un autre contact.",
                             self.ignored) % {"n": self.ignored},
                )
            )  # fmt: skip
        for task, reason in self.skipped:
            out.append(("warning", _("%(task)s : %(reason)s") % {"task": task, "reason": reason}))
        return out


def _mass_targets(*, ids: list[int], by: User, prospect: ProspectContact | None) -> tuple[list[Task], TaskMassResult]:
    """Lock and return the selected tasks the user may change; count the others."""
    from prospects.selectors import prospects_changeable_by
    from tasks.selectors import tasks_visible_to

    wanted = set(ids)
    if len(wanted) > MASS_TASK_LIMIT:
        raise MassTaskTooLarge(len(wanted))
    visible = tasks_visible_to(by).filter(pk__in=wanted)
    if prospect is not None:
        visible = visible.filter(prospect=prospect)
    visible_ids = set(visible.values_list("pk", flat=True))
    changeable = visible.filter(prospect__in=prospects_changeable_by(by, R3).values("pk"))
    allowed_ids = list(changeable.values_list("pk", flat=True))
    tasks = list(
        Task.objects.select_for_update(of=("self",))
        .select_related("prospect")
        .filter(pk__in=allowed_ids)
        .order_by("due_at", "pk")
    )
    result = TaskMassResult(ignored=len(wanted - visible_ids), refused=len(visible_ids) - len(tasks))
    return tasks, result


def _may_follow(*, by: User, follower: User, prospect: ProspectContact) -> bool:
    from tasks.selectors import followers_for

    return followers_for(by, prospect).filter(pk=follower.pk).exists()


@transaction.atomic
def tasks_mass_update(
    *,
    ids: list[int],
    by: User,
    prospect: ProspectContact | None = None,
    followed_by: User | None = None,
    status: str | None = None,
    priority: str | None = None,
) -> TaskMassResult:
    """Set one field on every selected task the user may change, in one transaction (T4).

    `prospect` restricts the selection to one contact's tasks (the card): ids of any other
    task are ignored and counted, exactly like ids the user cannot see.
    """
    if status is not None and status not in TaskStatus.values:
        raise ValidationError(_("Statut inconnu."))
    if priority is not None and priority not in TaskPriority.values:
        raise ValidationError(_("Priorité inconnue."))
    tasks, result = _mass_targets(ids=ids, by=by, prospect=prospect)
    follower_ok: dict[int, bool] = {}
    for task in tasks:
        values = {}
        if followed_by is not None:
            if task.prospect_id not in follower_ok:
                follower_ok[task.prospect_id] = _may_follow(by=by, follower=followed_by, prospect=task.prospect)
            if not follower_ok[task.prospect_id]:
                result.skipped.append(
                    (str(task), _("%(user)s n'appartient à aucune entité du contact.") % {"user": followed_by})
                )
                continue
            values["followed_by"] = followed_by
        if status is not None:
            values["status"] = status
        if priority is not None:
            values["priority"] = priority
        changed = [name for name, value in values.items() if getattr(task, name) != value]
        if not changed:
            result.unchanged += 1
            continue
        for name in changed:
            setattr(task, name, values[name])
        task.save(update_fields=[*changed, "updated_at"])
        if "status" in changed and task.status == TaskStatus.DONE:
            prospect_inbound_record(prospect_id=task.prospect_id)
        result.changed += 1
    return result


@transaction.atomic
def tasks_mass_delete(*, ids: list[int], by: User, prospect: ProspectContact | None = None) -> TaskMassResult:
    """Delete the selected tasks the user may change, with their attachments (T4)."""
    tasks, result = _mass_targets(ids=ids, by=by, prospect=prospect)
    task_ids = [task.pk for task in tasks]
    names = list(TaskAttachment.objects.filter(task_id__in=task_ids).values_list("file", flat=True))
    Task.objects.filter(pk__in=task_ids).delete()
    stored_files_delete_on_commit(names)
    result.changed = len(task_ids)
    return result
