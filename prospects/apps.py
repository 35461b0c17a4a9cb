from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProspectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "prospects"
    verbose_name = _("Contacts prospects")

    def ready(self) -> None:
        from prospects.duplicates import jobs as duplicate_jobs  # noqa: F401  registers the job handlers
        from prospects.imports import (
            jobs,  # noqa: F401
            undo,  # noqa: F401
        )
        from prospects.list import exports, mass_jobs  # noqa: F401
        from prospects.list import signals as list_signals  # noqa: F401  keeps the list's counts exact
        from prospects.privacy import retention  # noqa: F401
        from prospects.saved_views import signals  # noqa: F401  keeps the cached views bar fresh
        from prospects.vcard import exports as vcard_exports  # noqa: F401
        from prospects.vcard import imports as vcard_imports  # noqa: F401
        from prospects.vcard import previews  # noqa: F401
