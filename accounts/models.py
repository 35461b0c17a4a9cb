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


class ApiToken(models.Model):
    """A named API key of one user: only a SHA-256 digest of its secret is stored (accounts.tokens)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("utilisateur"))
    name = models.CharField(_("nom"), max_length=100)
    # The public part of the key, shown in lists and used to find the row; the secret follows it.
    prefix = models.CharField(_("préfixe"), max_length=16, unique=True)
    digest = models.CharField(_("empreinte SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~models.Q(name=""), name="api_token_name_not_empty")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
