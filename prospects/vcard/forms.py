"""Forms of the vCard pages: export choices (E2/E3) and uploads (I4, quick add)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from prospects.list.forms import MassSelectionForm
from prospects.vcard.writer import DEFAULT_VERSION, VERSIONS


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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or many uploaded files (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".vcf,text/vcard,text/x-vcard"}))
        kwargs.setdefault("allow_empty_file", True)  # the reader reports an empty file by name
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class VCardUploadForm(forms.Form):
    files = MultipleFileField(label=_("Fichiers vCard (.vcf)"))
    existing = forms.ChoiceField(
        label=_("Contacts déjà présents"),
        choices=[
            ("skip", _("Les ignorer (ne rien modifier)")),
            ("update", _("Les mettre à jour avec les informations des cartes")),
        ],
        initial="skip",
        required=False,
        widget=forms.RadioSelect,
    )

    def clean_existing(self) -> str:
        return self.cleaned_data.get("existing") or "skip"


class VCardStartForm(forms.Form):
    valid_only = forms.BooleanField(required=False)
