from django.contrib import admin

from tasks.models import Task, TaskAttachment


class AttachmentInline(admin.TabularInline):
    model = TaskAttachment
    extra = 0
    fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["name", "prospect", "type", "priority", "due_at", "followed_by", "status"]
    list_filter = ["status", "type", "priority"]
    search_fields = ["name", "prospect__last_name", "description"]
    list_select_related = ["prospect", "followed_by"]
    autocomplete_fields = ["prospect", "followed_by"]
    date_hierarchy = "due_at"
    inlines = [AttachmentInline]


@admin.register(TaskAttachment)
class TaskAttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "task", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["original_name", "task__name"]
    list_select_related = ["task", "uploaded_by"]
