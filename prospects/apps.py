from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProspectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "prospects"
    verbose_name = _("Contacts prospects")

    def ready(self) -> None:
        from prospects import exports, imports, vcard_exports, vcard_imports  # noqa: F401  registers the job handlers
