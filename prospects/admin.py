from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin
from guardian.forms import GroupObjectPermissionsForm, UserObjectPermissionsForm

from crm.admin import CompanyAdmin
from crm.forms import EMAIL_FORMFIELD_OVERRIDES
from crm.models import Company
from prospects.contacts import PHONE_FIELDS
from prospects.forms import PhoneField
from prospects.models import Job, ProspectContact, ProspectListPreference, ProspectNote, SavedView
from prospects.rights import CONTACT_OBJECT_RIGHTS
from prospects.services import prospect_search_fields_refresh, prospects_reindex


class NoteInline(admin.TabularInline):
    model = ProspectNote
    extra = 0
    fields = ["text", "author", "entity", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["author"]


def _contact_right_choices() -> list[tuple[str, str]]:
    """The rights a grant on one contact opens, under their French names (prospects.rights)."""
    return [(right.codename, right.label) for right in CONTACT_OBJECT_RIGHTS]


class ContactUserRightsForm(UserObjectPermissionsForm):
    def get_obj_perms_field_choices(self):
        return _contact_right_choices()


class ContactGroupRightsForm(GroupObjectPermissionsForm):
    def get_obj_perms_field_choices(self):
        return _contact_right_choices()


@admin.register(ProspectContact)
class ProspectContactAdmin(GuardedModelAdmin):
    formfield_overrides = {models.EmailField: EMAIL_FORMFIELD_OVERRIDES}
    list_display = ["last_name", "first_name", "company", "job_title", "email", "assigned_to", "status", "region"]
    list_filter = ["status", "entities", "region", "origin", "company__type", "sector"]
    search_fields = ["last_name", "first_name", "email", "company__name", "phone", "mobile"]
    list_select_related = ["company", "assigned_to"]
    autocomplete_fields = ["company", "parent_company", "assigned_to", "sector", "client_contact"]
    filter_horizontal = ["entities", "skills", "diffusion_lists"]
    readonly_fields = ["created_by", "updated_by", "created_at", "updated_at", "import_job"]
    show_full_result_count = False  # no COUNT(*) over a million rows on every page
    inlines = [NoteInline]

    # The object-permission screen offers the rights that do something, not Django's four.
    def get_obj_perms_manage_user_form(self, request):
        return ContactUserRightsForm

    def get_obj_perms_manage_group_form(self, request):
        return ContactGroupRightsForm

    def get_obj_perms_base_context(self, request, obj):
        context = super().get_obj_perms_base_context(request, obj)
        codenames = {right.codename for right in CONTACT_OBJECT_RIGHTS}
        context["model_perms"] = [perm for perm in context["model_perms"] if perm.codename in codenames]
        return context

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in PHONE_FIELDS:  # the contact form's rule (prospects.contacts)
            kwargs["form_class"] = PhoneField
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    fieldsets = [
        (
            _("Contact prospect"),
            {"fields": ["company", "gender", "last_name", "first_name", "department", "job_title", "entities"]},
        ),
        (
            _("Coordonnées"),
            {"fields": ["email", "phone", "mobile", "fax", "address", "postcode", "city", "region", "country"]},
        ),
        (
            _("Suivi commercial"),
            {
                "fields": [
                    "parent_company",
                    "assigned_to",
                    "status",
                    "sector",
                    "origin",
                    "origin_comment",
                    "description",
                    "client_contact",
                ]
            },
        ),
        (_("Compétences et listes"), {"fields": ["skills", "diffusion_lists"]}),
        (_("Historique"), {"fields": ["created_by", "created_at", "updated_by", "updated_at", "import_job"]}),
    ]

    def save_model(self, request, obj, form, change):
        # A change of rep needs no write: the rep's rights follow assigned_to by rule.
        obj.updated_by = request.user
        if not change:
            obj.created_by = request.user
        prospect_search_fields_refresh(obj)
        super().save_model(request, obj, form, change)


@admin.register(ProspectNote)
class ProspectNoteAdmin(admin.ModelAdmin):
    list_display = ["prospect", "author", "entity", "created_at"]
    list_filter = ["entity"]
    search_fields = ["text", "prospect__last_name", "author__username"]
    list_select_related = ["prospect", "author", "entity"]
    autocomplete_fields = ["prospect", "author"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "created_by", "created_at", "progress_done", "progress_total"]
    list_filter = ["kind", "status"]
    search_fields = ["source_name", "created_by__username"]
    list_select_related = ["created_by"]
    readonly_fields = [field.name for field in Job._meta.fields]


@admin.register(ProspectContact.history.model)
class ProspectHistoryAdmin(admin.ModelAdmin):
    """B4 history rows, read only: they are written by the services, never by hand."""

    list_display = ["history_date", "id", "last_name", "history_type", "history_user", "status", "assigned_to"]
    list_filter = ["history_type", "status"]
    search_fields = ["last_name", "first_name", "history_user__username"]
    list_select_related = ["history_user", "assigned_to"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# crm knows nothing of contacts: the company admin is extended here so a rename refreshes them.
admin.site.unregister(Company)


@admin.register(Company)
class CompanyWithContactsAdmin(CompanyAdmin):
    def save_model(self, request, obj, form, change):
        renamed = change and "name" in form.changed_data
        super().save_model(request, obj, form, change)
        if renamed:  # the contacts' search text and sort key carry the company name
            prospects_reindex(prospects=obj.prospects.all())


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "created_at"]
    search_fields = ["name", "owner__username", "owner__last_name"]
    list_select_related = ["owner"]
    autocomplete_fields = ["owner"]
    filter_horizontal = ["entities"]


@admin.register(ProspectListPreference)
class ProspectListPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "default_view"]
    search_fields = ["user__username", "user__last_name"]
    list_select_related = ["user", "default_view"]
    autocomplete_fields = ["user"]
    raw_id_fields = ["default_view"]


from prospects.privacy import admin as privacy_admin  # noqa: E402, F401  registers the GDPR models
