"""The list's mass-action forms: a selection (ids or "all matching") plus each action's fields."""

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from accounts.selectors import users_visible_to
from crm.selectors import diffusion_lists_visible_to
from prospects.list.filters import filter_errors
from prospects.models import ContactStatus


class IdListField(forms.Field):
    """A list of positive integer ids posted as repeated `ids` fields."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        ids = []
        for item in value if isinstance(value, list | tuple) else [value]:
            try:
                number = int(item)
            except (TypeError, ValueError):
                raise forms.ValidationError(_("Sélection invalide.")) from None
            if number <= 0:
                raise forms.ValidationError(_("Sélection invalide."))
            ids.append(number)
        return list(dict.fromkeys(ids))


class MassSelectionForm(forms.Form):
    """Either explicit ids, or "all the contacts matching this filter" (B5) as a query string."""

    ids = IdListField(required=False)
    select_all = forms.BooleanField(required=False)
    query = forms.CharField(required=False, max_length=4000)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if not data.get("select_all") and not data.get("ids"):
            raise forms.ValidationError(_("Aucun contact sélectionné."))
        self.check_filter(data)
        return data

    def check_filter(self, data) -> None:
        """ "All matching" needs a usable filter: with an unusable value, refuse rather than act on everything."""
        if not data.get("select_all") or "query" not in data:
            return
        errors = filter_errors(self.user, self.filter_data)
        if errors:
            raise forms.ValidationError(
                _(
                    "Le filtre de la liste contient une valeur inutilisable (%(errors)s) : "
                    "corrigez-le avant d'agir sur tous les contacts correspondants. Rien n'a été modifié."
                )
                % {"errors": " ; ".join(errors)}
            )

    @property
    def filter_data(self) -> QueryDict:
        return QueryDict(self.cleaned_data.get("query") or "")


class MassAssignForm(MassSelectionForm):
    assigned_to = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Affecté à"), empty_label=_("Personne (non affecté)")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["assigned_to"].queryset = users_visible_to(user).order_by("last_name", "first_name")


class MassStatusForm(MassSelectionForm):
    status = forms.ChoiceField(choices=ContactStatus.choices, label=_("Statut"))


class MassSubscriptionsForm(MassSelectionForm):
    SUBSCRIBE, UNSUBSCRIBE = "abonner", "desabonner"
    lists = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Listes de diffusion"), widget=forms.CheckboxSelectMultiple
    )
    operation = forms.ChoiceField(
        choices=[(SUBSCRIBE, _("Abonner")), (UNSUBSCRIBE, _("Désabonner"))],
        initial=SUBSCRIBE,
        widget=forms.RadioSelect,
        label=_("Opération"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["lists"].queryset = diffusion_lists_visible_to(user).order_by("name")


class MassDeleteForm(MassSelectionForm):
    pass


class MassExportForm(MassSelectionForm):
    def clean(self):
        # Export with nothing ticked means "the whole filtered list".
        data = forms.Form.clean(self)
        if not data.get("ids"):
            data["select_all"] = True
        self.check_filter(data)
        return data
