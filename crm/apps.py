from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "crm"
    verbose_name = _("Comptes & Contacts")

    def ready(self) -> None:
        import openpyxl

        from crm import lookups  # noqa: F401  (registers field__any_of)

        # Uploaded spreadsheets are hostile input: refuse to start with the plain XML parser.
        if not openpyxl.DEFUSEDXML:
            raise ImproperlyConfigured("openpyxl must use defusedxml: install the 'defusedxml' package.")
