from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

PROJECT_APPS = ("accounts", "crm", "prospects", "tasks")
DEFAULT_ACTIONS = {"add": "Peut ajouter", "change": "Peut modifier", "delete": "Peut supprimer", "view": "Peut voir"}


def name_default_permissions_in_french(sender, apps=None, using="default", **kwargs):
    """Django stores "Can add …" in English; admins grant rights from these labels, in French."""
    if sender.label not in PROJECT_APPS:
        return
    if apps is None:  # `flush` (transactional tests) sends post_migrate without the app registry
        from django.apps import apps
    if apps is None:  # some senders (flush in transactional tests) pass no app registry
        from django.apps import apps
    Permission = apps.get_model("auth", "Permission")
    for model in sender.get_models():
        for action, label in DEFAULT_ACTIONS.items():
            Permission.objects.using(using).filter(
                content_type__app_label=model._meta.app_label,
                content_type__model=model._meta.model_name,
                codename=f"{action}_{model._meta.model_name}",
            ).update(name=f"{label} {model._meta.verbose_name}"[:255])


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Utilisateurs et entités")

    def ready(self) -> None:
        post_migrate.connect(name_default_permissions_in_french, dispatch_uid="accounts.french_permission_names")
