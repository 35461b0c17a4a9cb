from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Entity(models.Model):
    """A business unit of the tenant company (e.g. "Paris", "Lyon")."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("entité")
        verbose_name_plural = _("entités")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=~models.Q(name=""), name="entity_name_not_empty")]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A CRM user; sees the records shared with one of their entities."""

    entities = models.ManyToManyField(Entity, related_name="users", blank=True, verbose_name=_("entités"))

    class Meta(AbstractUser.Meta):
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["last_name", "first_name", "username"]
        indexes = [models.Index(Lower("last_name"), "first_name", name="user_name_idx")]

    @property
    def display_name(self) -> str:
        """Name as the guide shows it: "DIRON Marine"."""
        full = f"{self.last_name.upper()} {self.first_name}".strip()
        return full or self.username

    def __str__(self) -> str:
        return self.display_name
