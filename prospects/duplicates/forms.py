"""The merge screen's form: which contact survives, and for each differing field whose value stays."""

from django import forms
from django.utils.translation import gettext_lazy as _

from prospects.duplicates.merge import MERGE_FIELDS, field_value_label
from prospects.models import ProspectContact


class MergeForm(forms.Form):
    survivor = forms.TypedChoiceField(label=_("Contact conservé"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, contacts: list[ProspectContact], **kwargs):
        super().__init__(*args, **kwargs)
        self.contacts = contacts
        ids = [(contact.pk, str(contact)) for contact in contacts]
        self.fields["survivor"].choices = ids
        self.fields["survivor"].initial = contacts[0].pk
        self.rows = []  # (field name, label, [(contact, shown value)], form field name or None)
        for name in MERGE_FIELDS:
            model_field = ProspectContact._meta.get_field(name)
            values = [(contact, field_value_label(contact, name)) for contact in contacts]
            raw = {getattr(contact, model_field.attname) for contact in contacts}
            pick_name = None
            if len(raw) > 1:
                pick_name = f"pick_{name}"
                filled = [contact.pk for contact, shown in values if shown]
                self.fields[pick_name] = forms.TypedChoiceField(
                    label=model_field.verbose_name,
                    choices=ids,
                    coerce=int,
                    widget=forms.RadioSelect,
                    required=False,  # not sent: the default below (the first filled value)
                    empty_value=None,
                )
                self.fields[pick_name].initial = filled[0] if filled else contacts[0].pk
            self.rows.append((name, model_field.verbose_name, values, pick_name))

    def picks(self) -> dict[str, int]:
        """Field → id of the contact whose value is kept; a field not offered keeps the common value."""
        picks = {}
        for name, _label, _values, pick_name in self.rows:
            if pick_name:
                picked = self.cleaned_data.get(pick_name)
                picks[name] = picked if picked is not None else self.fields[pick_name].initial
        return picks

    def table(self):
        """Rows for the template: each cell with its value and, when the values differ, its radio."""
        for name, label, values, pick_name in self.rows:
            bound = self[pick_name] if pick_name else None
            chosen = str(bound.value()) if bound is not None else ""
            cells = [
                {"contact": contact, "value": shown, "checked": chosen == str(contact.pk)} for contact, shown in values
            ]
            yield {"name": name, "label": label, "pick": pick_name, "cells": cells}
