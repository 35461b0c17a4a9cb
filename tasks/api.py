"""Commercial tasks and their attachments over the API (issue 18): the tasks app's selectors, form,
services and upload limits, with R3 on the contact for every change."""

from django.urls import path
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api import BAD_INPUT, form_data_for_update, form_validated, page_view, serializer_for_form
from prospects.api.serializers import ErrorSerializer
from prospects.rights import R3, require_right
from prospects.selectors import get_prospect_for
from tasks.forms import AttachmentForm, TaskForm
from tasks.models import Task, TaskAttachment
from tasks.selectors import get_attachment_for, get_task_for, tasks_of_prospect, tasks_visible_to
from tasks.services import (
    attachment_delete,
    attachment_oversized_message,
    attachments_add,
    attachments_too_many_message,
    task_create,
    task_delete,
    task_update,
)
from tasks.views import AttachmentQuotaHandler, attachment_response


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ("id", "prospect", "priority", "due_at", "type", "name", "followed_by", "description", "status",
                  "created_at", "updated_at")  # fmt: skip
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskAttachment
        fields = ("id", "task", "original_name", "content_type", "size", "uploaded_at")
        read_only_fields = fields


TaskInput = serializer_for_form(TaskForm, "TaskInput")
AttachmentInput = serializer_for_form(AttachmentForm, "AttachmentInput")
DOWNLOAD = OpenApiResponse(OpenApiTypes.BINARY, description=gettext_lazy("Le fichier"))


def _manageable_task(request, pk: int) -> Task:
    """The task if the user sees it (404 otherwise) and holds R3 on its contact (403 otherwise)."""
    task = get_task_for(request.user, pk)
    require_right(request.user, R3, task.prospect)
    return task


class ContactTasksView(APIView):
    @extend_schema(
        operation_id="contacts_tasks_list",
        summary=gettext_lazy("Tâches d'un contact"),
        responses={200: TaskSerializer(many=True), 404: ErrorSerializer},
        tags=["tasks"],
    )
    def get(self, request, pk: int):
        prospect = get_prospect_for(request.user, pk)
        return Response(TaskSerializer(tasks_of_prospect(request.user, prospect), many=True).data)

    @extend_schema(
        operation_id="contacts_tasks_create",
        summary=gettext_lazy("Ajouter une tâche à un contact"),
        description=gettext_lazy("Droit R3 sur le contact. `due_date` (AAAA-MM-JJ) et `due_time` (HH:MM)."),
        request=TaskInput,
        responses={201: TaskSerializer, 400: BAD_INPUT, 403: ErrorSerializer, 404: ErrorSerializer},
        tags=["tasks"],
    )
    def post(self, request, pk: int):
        prospect = get_prospect_for(request.user, pk)
        require_right(request.user, R3, prospect)
        form = TaskForm(request.data, user=request.user, prospect=prospect)
        form_validated(form)
        task = task_create(prospect=prospect, by=request.user, **form.task_values())
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)


def _tasks(request):
    tasks = tasks_visible_to(request.user).select_related(None)
    if request.query_params.get("mine", "").lower() in {"1", "true"}:
        tasks = tasks.filter(followed_by=request.user)
    return tasks


TaskListView = page_view(
    "Task",
    serializer_class=TaskSerializer,
    rows=_tasks,
    operation_id="tasks_list",
    summary=gettext_lazy("Tâches visibles"),
    description=gettext_lazy("`mine=true` : seulement celles que l'utilisateur suit."),
    parameters=[OpenApiParameter("mine", OpenApiTypes.BOOL, description=gettext_lazy("Seulement mes tâches"))],
    tags=["tasks"],
)


class TaskDetailView(APIView):
    @extend_schema(
        operation_id="tasks_retrieve",
        summary=gettext_lazy("Une tâche"),
        responses={200: TaskSerializer, 404: ErrorSerializer},
        tags=["tasks"],
    )
    def get(self, request, pk: int):
        return Response(TaskSerializer(get_task_for(request.user, pk)).data)

    @extend_schema(
        operation_id="tasks_partial_update",
        summary=gettext_lazy("Modifier une tâche"),
        description=gettext_lazy("Droit R3 sur le contact ; les champs absents gardent leur valeur."),
        request=TaskInput(partial=True),
        responses={200: TaskSerializer, 400: BAD_INPUT, 403: ErrorSerializer, 404: ErrorSerializer},
        tags=["tasks"],
    )
    def patch(self, request, pk: int):
        task = _manageable_task(request, pk)
        kwargs = {"instance": task, "user": request.user, "prospect": task.prospect}
        form = TaskForm(form_data_for_update(TaskForm, request.data, partial=True, **kwargs), **kwargs)
        form_validated(form)
        # The form has copied the values onto `task`; the service compares with the stored row.
        task = task_update(task=get_task_for(request.user, task.pk), **form.task_values())
        return Response(TaskSerializer(task).data)

    @extend_schema(
        operation_id="tasks_destroy",
        summary=gettext_lazy("Supprimer une tâche et ses documents"),
        responses={204: None, 403: ErrorSerializer, 404: ErrorSerializer},
        tags=["tasks"],
    )
    def delete(self, request, pk: int):
        task_delete(task=_manageable_task(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TaskAttachmentsView(APIView):
    """Uploads are cut by the same quota handler as the web page, installed before the body is read."""

    def initial(self, request, *args, **kwargs):
        if request.method == "POST":
            self.quota = AttachmentQuotaHandler(request._request)
            request._request.upload_handlers.insert(0, self.quota)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="tasks_attachments_list",
        summary=gettext_lazy("Documents d'une tâche"),
        responses={200: AttachmentSerializer(many=True), 404: ErrorSerializer},
        tags=["tasks"],
    )
    def get(self, request, pk: int):
        task = get_task_for(request.user, pk)
        return Response(AttachmentSerializer(task.attachments.order_by("pk"), many=True).data)

    @extend_schema(
        operation_id="tasks_attachments_create",
        summary=gettext_lazy("Attacher des documents à une tâche"),
        description=gettext_lazy(
            "Droit R3 sur le contact. Un ou plusieurs fichiers `files`, mêmes limites que la page web "
            "(taille, nombre, types vérifiés sur le contenu)."
        ),
        request={"multipart/form-data": AttachmentInput},
        responses={201: AttachmentSerializer(many=True), 400: BAD_INPUT, 403: ErrorSerializer,
                   404: ErrorSerializer, 413: ErrorSerializer},
        tags=["tasks"],
    )  # fmt: skip
    def post(self, request, pk: int):
        task = _manageable_task(request, pk)
        data, files = request.data, request.FILES
        errors = [attachments_too_many_message()] if self.quota.too_many else []
        errors += [attachment_oversized_message(name) for name in self.quota.oversized]
        if errors:
            raise ValidationError({"files": errors})
        cleaned = form_validated(AttachmentForm(data, files))
        stored = attachments_add(task=task, files=cleaned["files"], by=request.user)
        return Response(AttachmentSerializer(stored, many=True).data, status=status.HTTP_201_CREATED)


class AttachmentDetailView(APIView):
    @extend_schema(
        operation_id="attachments_download",
        summary=gettext_lazy("Télécharger un document"),
        responses={(200, "application/octet-stream"): DOWNLOAD, 404: ErrorSerializer},
        tags=["tasks"],
    )
    def get(self, request, pk: int):
        return attachment_response(get_attachment_for(request.user, pk))

    @extend_schema(
        operation_id="attachments_destroy",
        summary=gettext_lazy("Supprimer un document"),
        responses={204: None, 403: ErrorSerializer, 404: ErrorSerializer},
        tags=["tasks"],
    )
    def delete(self, request, pk: int):
        attachment = get_attachment_for(request.user, pk)
        _manageable_task(request, attachment.task_id)
        attachment_delete(attachment=attachment)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Included under /api/ by config.api (namespace "api").
urlpatterns = [
    path("contacts/<int:pk>/tasks/", ContactTasksView.as_view(), name="contact-tasks"),
    path("tasks/", TaskListView.as_view(), name="tasks"),
    path("tasks/<int:pk>/", TaskDetailView.as_view(), name="task"),
    path("tasks/<int:pk>/attachments/", TaskAttachmentsView.as_view(), name="task-attachments"),
    path("attachments/<int:pk>/", AttachmentDetailView.as_view(), name="attachment"),
]
