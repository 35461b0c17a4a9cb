"""Forms of the vCard pages: export choices (E2/E3) and uploads (I4, quick add)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from prospects.forms import MassSelectionForm
from prospects.vcards import DEFAULT_VERSION, VERSIONS


class VCardExportForm(MassSelectionForm):
    """The list's "Export en VCF": the selection, the guide's .zip choice and the vCard version."""

    zip = forms.BooleanField(required=False, label=_("Grouper dans une archive .zip ?"))
    version = forms.ChoiceField(
        choices=[(version, f"vCard {version}") for version in VERSIONS],
        initial=DEFAULT_VERSION,
        required=False,
        label=_("Version"),
    )

    def clean_version(self) -> str:
        return self.cleaned_data.get("version") or DEFAULT_VERSION
