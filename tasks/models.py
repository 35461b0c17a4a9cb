from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.choices import choices_check


class TaskPriority(models.TextChoices):
    LOW = "basse", _("Basse")
    NORMAL = "normale", _("Normale")
    HIGH = "haute", _("Haute")
    URGENT = "urgente", _("Urgente")


class TaskType(models.TextChoices):
    NOTE = "note", _("Note")
    CALL = "appel", _("Appel")
    EMAIL = "email", _("E-mail")
    MEETING = "rdv", _("Rendez-vous")
    FOLLOW_UP = "relance", _("Relance")
    OTHER = "autre", _("Autre")


class TaskStatus(models.TextChoices):
    PENDING = "en_attente", _("En attente")
    IN_PROGRESS = "en_cours", _("En cours")
    DONE = "terminee", _("Terminée")
    CANCELLED = "annulee", _("Annulée")


class Task(models.Model):
    """A commercial task (tâche commerciale) on a prospect contact."""

    prospect = models.ForeignKey(
        "prospects.ProspectContact", on_delete=models.PROTECT, related_name="tasks", verbose_name=_("contact prospect")
    )
    priority = models.CharField(_("priorité"), max_length=10, choices=TaskPriority.choices, default=TaskPriority.NORMAL)
    due_at = models.DateTimeField(_("date / heure de la tâche"))
    type = models.CharField(_("type"), max_length=10, choices=TaskType.choices, default=TaskType.CALL)
    name = models.CharField(_("nom de la tâche"), max_length=200)
    followed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followed_tasks",
        verbose_name=_("suivi par"),
    )
    description = models.TextField(_("description / compte-rendu"), blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créé par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("tâche commerciale")
        verbose_name_plural = _("tâches commerciales")
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(name=""), name="task_name_not_empty"),
            choices_check("priority", TaskPriority, name="task_priority_valid"),
            choices_check("type", TaskType, name="task_type_valid"),
            choices_check("status", TaskStatus, name="task_status_valid"),
        ]
        indexes = [
            models.Index(fields=["prospect", "due_at"], name="task_prospect_due_idx"),
            models.Index(fields=["followed_by", "status", "due_at"], name="task_follower_idx"),
        ]

    def __str__(self) -> str:
        return self.name


def attachment_path(attachment: "TaskAttachment", filename: str) -> str:
    """Generated storage name; the user's file name only lives in `original_name`."""
    import uuid

    return f"attachments/{uuid.uuid4().hex}"


class TaskAttachment(models.Model):
    """A document attached to a task; downloaded only through a view that checks access."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("tâche"))
    file = models.FileField(_("fichier"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(_("type de contenu"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("taille (octets)"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("déposé par"),
    )
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
