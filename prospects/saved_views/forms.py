from django import forms
from django.utils.translation import gettext_lazy as _


class SavedViewForm(forms.Form):
    """Save the list's current filters, sort and page size under a name."""

    name = forms.CharField(label=_("Nom de la vue"), max_length=80, strip=True)
    query = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)
    shared = forms.BooleanField(label=_("Partager avec mes entités"), required=False)
    default = forms.BooleanField(label=_("Ouvrir la liste sur cette vue"), required=False)
