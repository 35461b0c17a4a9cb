"""Form fields shared by every form and admin page that edits contacts."""

from django import forms


class NormalisedEmailField(forms.EmailField):
    """An e-mail stored the way the database requires it: trimmed and lower-case."""

    def to_python(self, value):
        return super().to_python(value).strip().lower()


EMAIL_FORMFIELD_OVERRIDES = {"form_class": NormalisedEmailField}
