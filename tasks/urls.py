from django.urls import path

from tasks import views

app_name = "tasks"

urlpatterns = [
    path("", views.my_tasks, name="mine"),
    path("mass/", views.tasks_mass, name="mass_mine"),
    path("prospects/<int:prospect_pk>/new/", views.task_add, name="add"),
    path("prospects/<int:prospect_pk>/mass/", views.tasks_mass, name="mass"),
    path("<int:pk>/edit/", views.task_edit, name="edit"),
    path("<int:pk>/delete/", views.task_remove, name="delete"),
    path("<int:pk>/attachments/", views.task_attach, name="attach"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("attachments/<int:pk>/delete/", views.attachment_remove, name="attachment_delete"),
]
