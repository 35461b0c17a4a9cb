"""The record of a merge, shown in the survivor's history (B4). Imported by prospects.models."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProspectMerge(models.Model):
    """Who merged which contacts into which survivor, when, and the values the merge dropped."""

    survivor = models.ForeignKey(
        "prospects.ProspectContact",
        on_delete=models.CASCADE,
        related_name="merges",
        verbose_name=_("contact conservé"),
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("par")
    )
    merged_at = models.DateTimeField(_("fusionné le"), auto_now_add=True)
    # [{"id": 12, "label": "DUPONT Jean"}], the contacts deleted by the merge
    merged_contacts = models.JSONField(_("contacts fusionnés"), default=list)
    # [{"field": "phone", "label": "téléphone", "value": "01 02 03 04 05", "from": 12}]
    dropped_values = models.JSONField(_("valeurs écartées"), default=list)

    class Meta:
        verbose_name = _("fusion de contacts")
        verbose_name_plural = _("fusions de contacts")
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"{self.survivor_id} ← {', '.join(str(item['id']) for item in self.merged_contacts)}"
