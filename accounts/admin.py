from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, Entity, User


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "email", "entity_names", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups", "entities"]
    search_fields = ["username", "first_name", "last_name", "email"]
    filter_horizontal = ["groups", "user_permissions", "entities"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Entités"), {"fields": ["entities"]}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("Profil"), {"fields": ["first_name", "last_name", "email", "entities", "groups"]}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("entities")

    @admin.display(description=_("entités"))
    def entity_names(self, user: User) -> str:
        return ", ".join(entity.name for entity in user.entities.all())


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their user (the key is shown to them once); an admin lists and revokes."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username", "user__last_name"]
    readonly_fields = ["user", "name", "prefix", "digest", "created_at", "last_used_at"]
    fields = ["user", "name", "prefix", "digest", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]

    def has_add_permission(self, request) -> bool:
        return False
