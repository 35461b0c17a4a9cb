"""The accountability log, the opposition register and the merge records in the Django admin:
read-only, so nobody edits the trace of what was done with personal data."""

from django.contrib import admin

from prospects.duplicates.models import ProspectMerge
from prospects.privacy.models import OppositionEntry, PersonalDataLog


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PersonalDataLog)
class PersonalDataLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "by", "count", "detail"]
    list_filter = ["action", "at"]
    search_fields = ["by__username", "by__last_name", "detail"]
    list_select_related = ["by"]
    date_hierarchy = "at"


@admin.register(OppositionEntry)
class OppositionEntryAdmin(ReadOnlyAdmin):
    list_display = ["recorded_at", "kind", "channel", "digest"]
    list_filter = ["kind", "channel"]


@admin.register(ProspectMerge)
class ProspectMergeAdmin(ReadOnlyAdmin):
    list_display = ["merged_at", "survivor", "merged_by"]
    list_select_related = ["survivor", "merged_by"]
    raw_id_fields = ["survivor"]
