"""Forms of the tasks tab: the task dialog, attachments, mass actions and "Mes tâches" filters."""

from datetime import timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from prospects.forms import FrenchDateField, FrenchTimeField
from prospects.models import ProspectContact
from tasks.models import Task, TaskPriority, TaskStatus
from tasks.selectors import followers_for


class FollowerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class TaskForm(forms.ModelForm):
    """Add or edit a task (T1); "Suivi par" offers the users of the contact's entities."""

    # French formats whatever the browser's language (a native date input follows the browser).
    due_date = FrenchDateField(label=_("Date"))
    due_time = FrenchTimeField(label=_("Heure"))

    class Meta:
        model = Task
        fields = ["priority", "type", "name", "followed_by", "description", "status"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        labels = {"description": _("Description / Compte-rendu")}
        field_classes = {"followed_by": FollowerChoiceField}

    def __init__(self, *args, user: User, prospect: ProspectContact, **kwargs):
        super().__init__(*args, **kwargs)
        self.prospect = prospect
        followers = followers_for(user, prospect)
        if self.instance.followed_by_id:
            # The current follower stays selectable even after leaving the contact's entities.
            followers = User.objects.filter(
                Q(pk__in=followers.values("pk")) | Q(pk=self.instance.followed_by_id)
            ).order_by("last_name", "first_name", "username")
        self.fields["followed_by"].queryset = followers
        self.fields["followed_by"].empty_label = _("— Personne —")
        if self.instance.pk and self.instance.due_at:
            local = timezone.localtime(self.instance.due_at)
            self.initial.setdefault("due_date", local.date())
            self.initial.setdefault("due_time", local.time().replace(second=0, microsecond=0))
        elif not self.instance.pk:
            self.initial.setdefault("followed_by", user.pk if user.is_active else None)
            # A new task: today, at the next full hour (tomorrow 00:00 late in the evening).
            next_hour = (timezone.localtime() + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
            self.initial.setdefault("due_date", next_hour.date())
            self.initial.setdefault("due_time", next_hour.time())
        self.order_fields(["priority", "due_date", "due_time", "type", "name", "followed_by", "description", "status"])

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def _post_clean(self):
        # due_at is built from the two inputs before the model validates the instance.
        from datetime import datetime

        day, time = self.cleaned_data.get("due_date"), self.cleaned_data.get("due_time")
        if day and time:
            self.instance.due_at = timezone.make_aware(datetime.combine(day, time))
            self.cleaned_data["due_at"] = self.instance.due_at
        super()._post_clean()

    def task_values(self) -> dict:
        """What the services take: the model fields, with the combined date and time."""
        names = ("priority", "type", "name", "followed_by", "description", "status", "due_at")
        return {name: self.cleaned_data[name] for name in names}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files; the limits are checked by tasks.services.attachments_add."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files if item]


class AttachmentForm(forms.Form):
    files = MultipleFileField(label=_("Fichiers"))


class TaskMassForm(forms.Form):
    """T4: the selected task ids and the one change to make."""

    ACTIONS = (
        ("followed_by", _("Modifier l'affectation")),
        ("status", _("Modifier le statut")),
        ("priority", _("Modifier la priorité")),
        ("delete", _("Supprimer les tâches")),
    )
    action = forms.ChoiceField(choices=ACTIONS)
    tasks = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)
    followed_by = FollowerChoiceField(queryset=User.objects.none(), required=False, label=_("Suivi par"))
    status = forms.ChoiceField(choices=TaskStatus.choices, required=False, label=_("Statut"))
    priority = forms.ChoiceField(choices=TaskPriority.choices, required=False, label=_("Priorité"))

    def __init__(self, *args, user: User, prospect: ProspectContact | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if prospect is not None:
            self.fields["followed_by"].queryset = followers_for(user, prospect)
        self.fields["tasks"].error_messages["required"] = _("Sélectionnez au moins une tâche.")

    def clean_tasks(self):
        return self.cleaned_data["tasks"]

    def full_clean(self):
        # Any integer id is accepted here: the service ignores and reports the ones the user
        # cannot see or change (a forged id answers like a missing one).
        if self.is_bound:
            ids = [value for value in self.data.getlist("tasks") if str(value).isdigit()]
            self.fields["tasks"].choices = [(value, value) for value in ids]
        super().full_clean()

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action in ("followed_by", "status", "priority") and not cleaned.get(action):
            self.add_error(action, _("Ce champ est obligatoire."))
        return cleaned


class MyTasksFilter(forms.Form):
    """ "Mes tâches": status (open ones by default) and a date range."""

    OPEN = "ouvertes"
    ALL = "toutes"
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[(OPEN, _("À traiter (en attente, en cours)")), (ALL, _("Toutes")), *TaskStatus.choices],
    )
    start = forms.DateField(label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            self.add_error("end", _("La date de fin précède la date de début."))
        return cleaned
