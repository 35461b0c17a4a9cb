"""File downloads: every page and API view that sends a stored or generated file goes through here."""

from django.http import FileResponse


def file_download(handle, *, filename: str, content_type: str | None = None) -> FileResponse:
    """`handle` as an attachment named `filename`, which the browser may not sniff into another type."""
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
