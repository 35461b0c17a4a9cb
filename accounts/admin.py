from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Entity, User


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
