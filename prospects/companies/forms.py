"""The company forms: the full file (create/edit) and the picker's quick creation (a name)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from crm.models import Company
from prospects.companies.selectors import companies_for_parent
from prospects.forms import CompanySearchSelect, OwnedRecordForm


class CompanyForm(OwnedRecordForm):
    """Every field of the company file; reps, parents and entities limited to what the user sees."""

    SECTIONS = (
        (_("Société"), ("name", "type", "status", "assigned_to", "parent", "entities")),
        (_("Profil"), ("sector", "headcount_band", "revenue_band", "website")),
        (_("Adresse"), ("address", "postcode", "city", "region", "country")),
    )

    website = forms.URLField(label=_("site web"), required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Company
        fields = [
            "name",
            "type",
            "status",
            "assigned_to",
            "parent",
            "entities",
            "sector",
            "headcount_band",
            "revenue_band",
            "website",
            "address",
            "postcode",
            "city",
            "region",
            "country",
        ]
        widgets = {"entities": forms.CheckboxSelectMultiple}

    def __init__(self, *args, user: User, company_search_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        parent = self.fields["parent"]
        parent.queryset = companies_for_parent(user, exclude=self.instance)
        parent.empty_label = _("Aucun")
        parent.widget = CompanySearchSelect(search_url=company_search_url)
        parent.widget.choices = parent.choices
        self.owned_fields_setup(
            user, _("Choisissez au moins une entité : sans entité, personne ne verrait cette société.")
        )


class CompanyQuickForm(forms.Form):
    """ "Créer la société « … »" from the contact form's picker: a name is enough to start a file."""

    name = forms.CharField(label=_("Raison sociale"), max_length=200, strip=True)

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Saisissez la raison sociale."), code="required")
        return name
