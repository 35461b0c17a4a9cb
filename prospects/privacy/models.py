"""The opposition register and the accountability log. Imported by prospects.models."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.choices import choices_check


class OppositionKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Téléphone")


class OppositionEntry(models.Model):
    """One e-mail or phone of a person who objected to prospecting, as a keyed hash only.

    Kept after the contact is erased, so a later import or form can recognise the person
    without the database holding their data (prospects.privacy.register).
    """

    kind = models.CharField(_("type"), max_length=5, choices=OppositionKind.choices)
    digest = models.CharField(_("empreinte"), max_length=64)
    channel = models.CharField(_("canal"), max_length=12, blank=True)
    recorded_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("opposition à la prospection")
        verbose_name_plural = _("registre des oppositions")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "digest"], name="opposition_kind_digest_unique"),
            choices_check("kind", OppositionKind, name="opposition_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.digest[:12]}…"


class PersonalDataAction(models.TextChoices):
    EXPORT_XLSX = "export_xlsx", _("Export Excel")
    EXPORT_VCF = "export_vcf", _("Export VCF")
    ACCESS_EXPORT = "access_export", _("Export du droit d'accès")
    ERASURE = "erasure", _("Effacement")
    ANONYMISATION = "anonymisation", _("Anonymisation")
    OPPOSITION = "opposition", _("Opposition enregistrée")
    MERGE = "merge", _("Fusion")


class PersonalDataLog(models.Model):
    """Accountability (GDPR art. 5.2): who exported or erased how many contacts, when, with which filter."""

    action = models.CharField(_("action"), max_length=16, choices=PersonalDataAction.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("par")
    )
    at = models.DateTimeField(_("le"), auto_now_add=True, db_index=True)
    count = models.PositiveIntegerField(_("nombre de contacts"), default=0)
    filters = models.JSONField(_("filtre ou sélection"), default=dict, blank=True)
    detail = models.CharField(_("détail"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("journal des données personnelles")
        verbose_name_plural = _("journal des données personnelles")
        ordering = ["-at", "-id"]
        constraints = [choices_check("action", PersonalDataAction, name="personal_data_log_action_valid")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.count})"
