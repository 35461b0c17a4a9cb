from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tasks"
    verbose_name = _("Tâches commerciales")

    def ready(self) -> None:
        from prospects.card.sections import card_section_register
        from prospects.companies.sections import company_section_register
        from tasks.company_section import company_tasks_section
        from tasks.views import card_tasks_section

        card_section_register("tasks", card_tasks_section, order=10)
        company_section_register("tasks", company_tasks_section, order=10)
