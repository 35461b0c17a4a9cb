"""Form fields shared by every form and admin page that edits contacts."""

from django import forms

from crm.text import normalise_email


class NormalisedEmailField(forms.EmailField):
    """An e-mail stored the way the database requires it: trimmed and lower-case."""

    def to_python(self, value):
        return normalise_email(super().to_python(value))


EMAIL_FORMFIELD_OVERRIDES = {"form_class": NormalisedEmailField}
