"""Forms of the contact pages (create/edit, notes, skills, lists, convert, deals): they validate and normalise."""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import entities_visible_to, entity_ids_of, users_visible_to
from crm.choices import CompanyType
from crm.forms import NormalisedEmailField
from crm.models import Opportunity, Proposal, Sector, Skill
from crm.selectors import companies_for_picker, companies_visible_to, diffusion_lists_visible_to
from prospects.contacts import PHONE_FIELDS, phone_check, phone_normalise
from prospects.models import ProspectContact
from prospects.privacy.register import opposition_known
from prospects.selectors import prospect_duplicates

# ---------------------------------------------------------------------------------------
# Create / edit a contact (C1)


class PhoneField(forms.CharField):
    """A phone normalised by the rule every writer shares (prospects.contacts)."""

    def clean(self, value):
        return phone_check(super().clean(value)).value


class CompanySearchSelect(forms.Select):
    """A select that renders only the chosen company: the search box next to it (htmx) fills in
    the matching visible companies, so the page never lists every company of the tenant."""

    def __init__(self, *args, search_url: str = "", create_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.search_url = search_url  # rendered by templates/prospects/card/_field.html
        self.create_url = create_url  # the company create page (no-JS path), when the user may create
        self.server_search = None  # ServerSearch: the search box is sent with the form (no-JS search)
        self.found: list = []  # the companies that search found, offered after the chosen one

    def optgroups(self, name, value, attrs=None):
        selected_ids = [item for item in value if item and str(item).isdigit()]
        field = self.choices.field
        options = [self.create_option(name, "", field.empty_label, not selected_ids, 0)]
        for index, company in enumerate(field.queryset.filter(pk__in=selected_ids), start=1):
            options.append(self.create_option(name, company.pk, company.name, True, index))
        shown = {str(item) for item in selected_ids}
        for index, company in enumerate(self.found, start=len(options)):
            if str(company.pk) not in shown:
                label = f"{company.name} ({company.get_type_display()})"
                options.append(self.create_option(name, company.pk, label, False, index))
        return [(None, options, 0)]


@dataclass
class ServerSearch:
    query: str = ""


def rep_field_setup(form: forms.ModelForm, user: User) -> None:
    """The form's `assigned_to`: the user's colleagues, and the record's current rep even if they left."""
    current_rep = form.instance.assigned_to_id if form.instance.pk else None
    field = form.fields["assigned_to"]
    field.queryset = User.objects.filter(Q(pk__in=users_visible_to(user).values("pk")) | Q(pk=current_rep)).order_by(
        "last_name", "first_name", "username"
    )
    field.label_from_instance = lambda rep: rep.display_name
    field.empty_label = _("Non affecté")


class OwnedRecordForm(forms.ModelForm):
    """What the contact and company forms share: the rep (the user's colleagues, and the current rep
    even if they left), the sector, the entities (the user's, required, theirs by default, the others
    kept), and fields shown in titled sections (SECTIONS: [(title, [field names])])."""

    SECTIONS: tuple = ()

    def owned_fields_setup(self, user: User, no_entity_message: str) -> None:
        rep_field_setup(self, user)
        self.fields["sector"].queryset = Sector.objects.order_by("name")
        self.fields["entities"].queryset = entities_visible_to(user)
        self.fields["entities"].required = True
        self.fields["entities"].error_messages["required"] = no_entity_message
        if not self.instance.pk and not self.is_bound and "entities" not in self.initial:
            self.initial["entities"] = entity_ids_of(user)

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def clean_entities(self):
        """Entities the user cannot see stay on the record: the form only edits the user's own."""
        chosen = list(self.cleaned_data["entities"])
        if self.instance.pk:
            chosen += list(self.instance.entities.exclude(pk__in=self.fields["entities"].queryset.values("pk")))
        return chosen


class ProspectForm(OwnedRecordForm):
    """Every field of C1; companies, reps and entities limited to what the user may see."""

    SECTIONS = (
        (_("Contact prospect"), ("company", "gender", "last_name", "first_name", "department", "job_title")),
        (
            _("Coordonnées"),
            ("email", "phone", "mobile", "fax", "address", "postcode", "city", "region", "country"),
        ),
        (
            _("Suivi commercial"),
            (
                "entities",
                "parent_company",
                "assigned_to",
                "status",
                "sector",
                "origin",
                "origin_comment",
                "description",
            ),
        ),
    )

    class Meta:
        model = ProspectContact
        fields = [
            "company",
            "gender",
            "last_name",
            "first_name",
            "department",
            "job_title",
            "email",
            "phone",
            "mobile",
            "fax",
            "address",
            "postcode",
            "city",
            "region",
            "country",
            "entities",
            "parent_company",
            "assigned_to",
            "status",
            "sector",
            "origin",
            "origin_comment",
            "description",
        ]
        field_classes = {"email": NormalisedEmailField, "phone": PhoneField, "mobile": PhoneField, "fax": PhoneField}
        widgets = {
            "entities": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    # Sent by the "Enregistrer quand même" button of the duplicate warning (B1).
    confirm_duplicates = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # GDPR (issue 17): a person in the opposition register is not re-created unless this is ticked.
    confirm_opposition = forms.BooleanField(
        required=False, label=_("La personne a retiré son opposition : créer le contact quand même")
    )

    def __init__(self, *args, user: User, company_search_url: str = "", company_create_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.duplicates: list[ProspectContact] = []
        self.warnings: list[str] = []  # shown once saved: what was accepted but may be wrong
        companies = companies_visible_to(user).select_related(None).order_by("name", "id")
        for name, empty_label in (("company", _("Aucune (contact libre)")), ("parent_company", _("Aucun"))):
            field = self.fields[name]
            field.queryset = companies
            field.empty_label = empty_label
            field.widget = CompanySearchSelect(search_url=company_search_url)
            field.widget.choices = field.choices
        # Without JavaScript, "Chercher" posts the form with `_company_search`: it is shown
        # again, unsaved and without errors, with the companies found for the typed text.
        self.searching = (self.data.get("_company_search") or "") if self.is_bound else ""
        for name in ("company", "parent_company"):
            widget = self.fields[name].widget
            widget.server_search = ServerSearch(query=(self.data.get(f"{name}_q") or "")[:100] if self.is_bound else "")
            if self.searching == name:
                widget.found = companies_for_picker(user, widget.server_search.query)
        if self.searching:
            self._errors = ErrorDict()  # a search, not a save: no "required" messages yet
        if company_create_url and company_search_url:  # "Créer la société « … »" in the contact's picker
            separator = "&" if "?" in company_search_url else "?"
            self.fields["company"].widget.search_url = f"{company_search_url}{separator}create=1"
            self.fields["company"].widget.create_url = company_create_url
        self.owned_fields_setup(
            user, _("Choisissez au moins une entité : sans entité, personne ne verrait ce contact.")
        )

    # C2: what a duplicate takes from its source; names and personal details are left to fill.
    DUPLICATED_FIELDS = (
        "company",
        "parent_company",
        "address",
        "postcode",
        "city",
        "region",
        "country",
        "assigned_to",
        "sector",
        "origin",
        "origin_comment",
    )

    @classmethod
    def initial_from(cls, source: ProspectContact) -> dict:
        """Initial data of a duplicate of `source` (C2)."""
        initial = {name: source.serializable_value(name) for name in cls.DUPLICATED_FIELDS}
        initial["entities"] = [entity.pk for entity in source.entities.all()]
        return initial

    IDENTITY_FIELDS = ("email", "last_name", "first_name", "company")

    def clean(self):
        """B1: stop once on a likely duplicate and list it; "Enregistrer quand même" saves anyway."""
        data = super().clean()
        confirmed = data.pop("confirm_duplicates", False)
        opposition_confirmed = data.pop("confirm_opposition", False)
        self.duplicates = []
        self.opposed = False
        self.warnings = [
            _("%(field)s : numéro non reconnu, enregistré tel que saisi (%(value)s).")
            % {"field": self.fields[name].label, "value": data[name]}
            for name in PHONE_FIELDS
            if name in self.changed_data and data.get(name) and not phone_normalise(data[name]).understood
        ]
        checked = not self.instance.pk or any(name in self.changed_data for name in self.IDENTITY_FIELDS)
        if self.errors or not checked:
            return data
        if not self.instance.pk:
            phones = [data.get(name, "") for name in ("phone", "mobile")]
            self.opposed = opposition_known(email=data.get("email", ""), phones=phones)
            if self.opposed and not opposition_confirmed:
                raise ValidationError(
                    _("Cette personne s'est opposée à la prospection (registre des oppositions) : contact non créé."),
                    code="opposed",
                )
        company = data.get("company")
        self.duplicates = prospect_duplicates(
            self.user,
            email=data.get("email", ""),
            last_name=data.get("last_name", ""),
            first_name=data.get("first_name", ""),
            company_id=company.pk if company else None,
            exclude_pk=self.instance.pk,
        )
        if self.duplicates and not confirmed:
            raise ValidationError(
                _("Un contact semblable existe déjà (même e-mail, ou même nom dans la même société)."),
                code="duplicate",
            )
        return data


class NoteForm(forms.Form):
    """A post-it note (F3)."""

    text = forms.CharField(
        label=_("Note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Nouvelle note…")}),
    )


class SkillsForm(forms.Form):
    """S1: the contact's technical environment, chosen among every skill."""

    skills = forms.ModelMultipleChoiceField(
        queryset=Skill.objects.select_related("category").order_by("category__name", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Environnement / compétences"),
    )

    def groups(self) -> list[tuple[str, list]]:
        """The checkboxes grouped by skill category, in the queryset's order."""
        by_category: dict[str, list] = {}
        for checkbox in self["skills"]:
            category = checkbox.data["value"].instance.category.name
            by_category.setdefault(category, []).append(checkbox)
        return list(by_category.items())


class SubscriptionsForm(forms.Form):
    """M1: the diffusion lists (visible to the user) the contact is subscribed to."""

    lists = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label=_("Listes de diffusion")
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lists"].queryset = diffusion_lists_visible_to(user).order_by("name")


class ConvertForm(forms.Form):
    """X1: where the client contact goes, when the contact's company is not a client yet."""

    CONVERT_COMPANY, PICK_CLIENT = "convertir_societe", "choisir_client"

    target = forms.ChoiceField(label=_("Société du contact client"), widget=forms.RadioSelect, required=False)
    client_company = forms.ModelChoiceField(queryset=None, required=False, label=_("Société cliente"))

    def __init__(self, *args, user: User, prospect: ProspectContact, company_search_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.prospect = prospect
        company = prospect.company
        self.needs_choice = company is None or company.type != CompanyType.CLIENT
        choices = []
        if company is not None and company.type != CompanyType.CLIENT:
            label = _("Convertir la société %(company)s en client") % {"company": company}
            choices.append((self.CONVERT_COMPANY, label))
        choices.append((self.PICK_CLIENT, _("Choisir une société cliente")))
        self.fields["target"].choices = choices
        self.fields["target"].initial = choices[0][0]
        field = self.fields["client_company"]
        field.queryset = companies_visible_to(user).select_related(None).filter(type=CompanyType.CLIENT)
        field.empty_label = _("Aucune")
        field.widget = CompanySearchSelect(search_url=company_search_url)
        field.widget.choices = field.choices

    def clean(self):
        data = super().clean()
        if not self.needs_choice:
            return data
        if not data.get("target"):
            self.add_error("target", _("Choisissez où créer le contact client."))
        elif data["target"] == self.PICK_CLIENT and not data.get("client_company"):
            self.add_error("client_company", _("Choisissez la société cliente."))
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        if self.needs_choice and data.get("target") == self.PICK_CLIENT:
            return {"client_company": data["client_company"]}
        return {"convert_company": self.needs_choice}


class FrenchDateField(forms.DateField):
    """A date typed the French way (jj/mm/aaaa), whatever the browser's language: a text input,
    since a native date input shows the browser's locale format."""

    input_formats = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.DateInput(
                format="%d/%m/%Y",
                attrs={"placeholder": "jj/mm/aaaa", "inputmode": "numeric", "pattern": r"\d{1,2}/\d{1,2}/\d{2,4}"},
            ),
        )
        kwargs.setdefault("error_messages", {"invalid": _("Saisissez une date au format jj/mm/aaaa.")})
        super().__init__(**kwargs)


class FrenchTimeField(forms.TimeField):
    """A time typed the French way (hh:mm, or 14h30), whatever the browser's language."""

    input_formats = ["%H:%M", "%Hh%M", "%Hh", "%H"]

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TimeInput(
                format="%H:%M",
                attrs={"placeholder": "hh:mm", "inputmode": "numeric", "pattern": r"\d{1,2}([:h]\d{2})?h?"},
            ),
        )
        kwargs.setdefault("error_messages", {"invalid": _("Saisissez une heure au format hh:mm.")})
        super().__init__(**kwargs)


class OpportunityForm(forms.ModelForm):
    """O1: an opportunity opened from a contact (on the contact's company, if any), or edited."""

    class Meta:
        model = Opportunity
        fields = ("name", "stage", "amount", "expected_close_on", "probability", "assigned_to")
        field_classes = {"expected_close_on": FrenchDateField}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        rep_field_setup(self, user)
        self.fields["probability"].widget.attrs.update({"min": 0, "max": 100, "step": 5})

    def sections(self):
        return [(_("Opportunité"), [self[name] for name in self.Meta.fields])]


class ProposalForm(forms.ModelForm):
    """A commercial proposal added from the card, within one of the contact's deals."""

    class Meta:
        model = Proposal
        fields = ("opportunity", "name", "status", "amount", "sent_on")
        field_classes = {"sent_on": FrenchDateField}

    def __init__(self, *args, opportunities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opportunity"].queryset = opportunities
        self.fields["opportunity"].empty_label = None

    def sections(self):
        return [(_("Proposition commerciale"), [self[name] for name in self.Meta.fields])]
