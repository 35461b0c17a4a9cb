"""A user's named views of the contacts list and their list preferences (issue 15).

Imported by prospects/models.py, so they belong to the prospects app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """Filters, sort and page size of the contacts list under a name ("Mes prospects à relancer")."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views", verbose_name=_("propriétaire")
    )
    name = models.CharField(_("nom"), max_length=80)
    # The list's query string, cleaned: known filters, sort and page size only, never the page.
    query = models.CharField(_("paramètres"), max_length=2000, blank=True)
    # Shared with these entities (the owner's, when shared); empty: private.
    entities = models.ManyToManyField(
        "accounts.Entity", related_name="saved_views", blank=True, verbose_name=_("partagée avec")
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("vue enregistrée")
        verbose_name_plural = _("vues enregistrées")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(name=""), name="savedview_name_not_empty"),
            models.UniqueConstraint(fields=["owner", "name"], name="savedview_unique_name_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name


class ProspectListPreference(models.Model):
    """What a user chose for their contacts list: the view that opens by default, the hidden columns."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="prospect_list_preference",
        verbose_name=_("utilisateur"),
    )
    default_view = models.ForeignKey(
        SavedView, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("vue par défaut")
    )
    hidden_columns = models.JSONField(_("colonnes masquées"), default=list, blank=True)

    class Meta:
        verbose_name = _("préférences de la liste")
        verbose_name_plural = _("préférences de la liste")

    def __str__(self) -> str:
        return str(self.user)
