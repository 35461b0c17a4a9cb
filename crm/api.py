"""What every API view shares (prospects.api, tasks.api): parsers that refuse hostile input, JSON
errors, and the bridge from the web's Django forms (the one home of each validation rule) to the API.

A view validates its input with the very form of the web page (`form_validated`): the API never
re-states a rule. `serializer_for_form` only describes that form to the OpenAPI schema.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from crm.middleware import hostile_value
from crm.uploads import UploadTooLarge

NON_FIELD = "non_field_errors"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("L'envoi est trop volumineux.")
    default_code = "too_large"


def _hostile_json(value, depth: int = 0) -> bool:
    """NUL in a string or a key, an integer no id column holds, or nesting past any real need."""
    if depth > 20:
        return True
    if isinstance(value, str):
        return hostile_value(value, max_length=None)
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return hostile_value(str(value), max_length=None)
    if isinstance(value, dict):
        return any(_hostile_json(key, depth + 1) or _hostile_json(item, depth + 1) for key, item in value.items())
    if isinstance(value, list):
        return any(_hostile_json(item, depth + 1) for item in value)
    return False


class SafeJSONParser(parsers.JSONParser):
    """JSON bodies; a NUL byte or an integer past 64 bits anywhere is a 400, as in a form (crm.middleware)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if _hostile_json(data):
            raise exceptions.ParseError(_("Une valeur envoyée est invalide."))
        return data


class LimitedMultiPartParser(parsers.MultiPartParser):
    """Uploads under the page's ceiling (settings.UPLOAD_LIMITS, crm.uploads): 413 past it."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return self._parse(stream, media_type, parser_context)
        except UploadTooLarge as refused:
            raise PayloadTooLarge(refused.message) from None

    def _parse(self, stream, media_type, parser_context):
        from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser

        context = parser_context or {}
        request = context["request"]
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        try:
            parser = DjangoMultiPartParser(meta, stream, request.upload_handlers, context.get("encoding", "utf-8"))
            data, files = parser.parse()
        except UploadTooLarge:
            raise
        except MultiPartParserError:
            raise exceptions.ParseError(_("L'envoi n'a pas pu être lu.")) from None
        for part in (data, files):
            for key in part:
                if hostile_value(key, max_length=4096):
                    raise exceptions.ParseError(_("Une valeur envoyée est invalide."))
        if any(hostile_value(value, max_length=None) for values in data.lists() for value in values[1]):
            raise exceptions.ParseError(_("Une valeur envoyée est invalide."))
        return parsers.DataAndFiles(data, files)


def exception_handler(exc, context):
    """DRF's JSON errors, plus the services' ValidationError as per-field 400s; 403/404 as JSON."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)


def validation_detail(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {NON_FIELD if name == "__all__" else name: messages for name, messages in error.message_dict.items()}
    return {NON_FIELD: error.messages}


def form_errors(form: forms.BaseForm) -> dict:
    """A bound form's errors, by field, as the API reports them."""
    return {NON_FIELD if name == "__all__" else name: list(errors) for name, errors in form.errors.items()}


def form_validated(form: forms.BaseForm) -> dict:
    """The form's cleaned data; a 400 with the form's messages by field otherwise."""
    if not form.is_valid():
        raise exceptions.ValidationError(form_errors(form))
    return form.cleaned_data


def form_data_for_update(form_class, data, *, partial: bool, **kwargs) -> dict:
    """The data to bind a ModelForm with: for PATCH, the instance's current values under the request's.

    `kwargs` build an unbound form (instance=…, user=…) whose initial values stand for the
    fields the request leaves out.
    """
    sent = _plain(data)
    if not partial:
        return sent
    unbound = form_class(**kwargs)
    merged = {}
    for name, field in unbound.fields.items():
        value = unbound[name].value()
        if isinstance(field, forms.ModelMultipleChoiceField):
            # Only the choices the page would show: the rest (another entity's) is the form's to keep.
            pks = [getattr(item, "pk", item) for item in (value or [])]
            value = list(field.queryset.filter(pk__in=pks).values_list("pk", flat=True)) if pks else []
        elif isinstance(field, forms.BooleanField):
            value = bool(value)
        merged[name] = "" if value is None else value
    merged.update(sent)
    return merged


def _plain(data) -> dict:
    """request.data (a dict from JSON or a QueryDict from a form) as a dict of values or lists."""
    if hasattr(data, "lists"):
        return {key: values if len(values) > 1 else values[0] for key, values in data.lists()}
    return dict(data or {})


def _serializer_field(field: forms.Field) -> serializers.Field:
    options = {"required": field.required, "help_text": field.help_text or None, "label": field.label}
    options = {key: value for key, value in options.items() if value is not None}
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(), **options)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(allow_null=not field.required, **options)
    if isinstance(field, forms.MultipleChoiceField):
        return serializers.MultipleChoiceField(choices=list(field.choices), **options)
    if isinstance(field, forms.TypedChoiceField | forms.ChoiceField):
        choices = [(value, label) for value, label in field.choices if value != ""]
        return serializers.ChoiceField(choices=choices, allow_blank=not field.required, **options)
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(**{**options, "required": False})
    if isinstance(field, forms.EmailField):
        return serializers.EmailField(allow_blank=not field.required, **options)
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(max_digits=field.max_digits, decimal_places=field.decimal_places, **options)
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(**options)
    if isinstance(field, forms.DateField):
        return serializers.DateField(**options)
    if isinstance(field, forms.TimeField):
        return serializers.TimeField(**options)
    if isinstance(field, forms.FileField):
        return serializers.ListField(child=serializers.FileField(), **options)
    max_length = getattr(field, "max_length", None)
    extra = {"max_length": max_length} if max_length else {}
    return serializers.CharField(allow_blank=not field.required, **extra, **options)


def serializer_for_form(form_class, name: str, *, exclude=(), **form_kwargs) -> type[serializers.Serializer]:
    """A serializer describing the form's fields to the schema (the form validates, not this)."""
    fields = form_class.base_fields
    attrs = {field_name: _serializer_field(field) for field_name, field in fields.items() if field_name not in exclude}
    return type(name, (serializers.Serializer,), attrs)


def page_by_id(queryset, request, *, per_page: int = 100) -> tuple[list, str | None]:
    """A page of `queryset` in id order after the `after` parameter (an id), and the next page's URL.

    The keyset of the secondary lists (companies, tasks, jobs): one query per page at any depth.
    """
    after = request.query_params.get("after")
    if after not in (None, ""):
        try:
            after_id = int(after)
        except ValueError:
            raise exceptions.ValidationError({"after": [_("Un identifiant entier est attendu.")]}) from None
        queryset = queryset.filter(pk__gt=after_id)
    rows = list(queryset.order_by("pk")[: per_page + 1])
    if len(rows) <= per_page:
        return rows, None
    rows = rows[:per_page]
    query = request.query_params.copy()
    query["after"] = str(rows[-1].pk)
    return rows, request.build_absolute_uri(request.path + "?" + query.urlencode())


def paged_response(serializer_class, rows: list, next_url: str | None, **context) -> Response:
    return Response({"next": next_url, "results": serializer_class(rows, many=True, context=context).data})


def page_serializer(name: str, serializer_class) -> serializers.Serializer:
    """The schema of a page: `next` (the URL of the following page, or null) and `results`."""
    from drf_spectacular.utils import inline_serializer

    return inline_serializer(
        name, {"next": serializers.CharField(allow_null=True), "results": serializer_class(many=True)}
    )


AFTER_PARAMETER_DESCRIPTION = gettext_lazy("Identifiant après lequel commence la page (voir `next`)")
BAD_INPUT = OpenApiResponse(description=gettext_lazy("Erreurs par champ"))
AFTER_PARAMETER = OpenApiParameter("after", OpenApiTypes.INT, description=AFTER_PARAMETER_DESCRIPTION)


def page_view(
    name: str, *, serializer_class, rows, operation_id: str, summary, tags: list[str], description=None, parameters=()
) -> type:
    """A read-only list in keyset pages by id (`page_by_id`); `rows(request)` is what the user sees."""
    from rest_framework.views import APIView  # DRF's settings import this module: no import at load time

    class PageView(APIView):
        @extend_schema(
            operation_id=operation_id,
            summary=summary,
            description=description,
            parameters=[AFTER_PARAMETER, *parameters],
            responses={200: page_serializer(f"{name}Page", serializer_class)},
            tags=tags,
        )
        def get(self, request):
            page, next_url = page_by_id(rows(request), request)
            return paged_response(serializer_class, page, next_url)

    PageView.__name__ = PageView.__qualname__ = f"{name}ListView"
    return PageView
