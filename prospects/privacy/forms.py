"""Forms of the personal-data pages."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prospects.models import LegalBasis, OppositionChannel


class LegalBasisForm(forms.Form):
    legal_basis = forms.ChoiceField(label=_("Base légale"), choices=LegalBasis.choices)
    consent_date = forms.DateField(
        label=_("Date du consentement"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    consent_source = forms.CharField(label=_("Source du consentement"), required=False, max_length=255)

    def clean(self):
        data = super().clean()
        if data.get("legal_basis") == LegalBasis.CONSENT and not data.get("consent_date"):
            self.add_error("consent_date", _("Indiquez la date à laquelle le consentement a été recueilli."))
        return data


class ReplyForm(forms.Form):
    on = forms.DateField(
        label=_("Date du contact du prospect"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError(_("La date ne peut pas être dans le futur."))
        return on


class OppositionForm(forms.Form):
    channel = forms.ChoiceField(label=_("Canal de l'opposition"), choices=OppositionChannel.choices)


class ErasureForm(forms.Form):
    anonymise = forms.BooleanField(label=_("Anonymiser plutôt que supprimer"), required=False)


class RetentionPurgeForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), widget=forms.CheckboxSelectMultiple)
    anonymise = forms.BooleanField(label=_("Anonymiser plutôt que supprimer"), required=False)

    def __init__(self, *args, ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(pk, pk) for pk in ids]
