"""The upload step both import pages and the API share: check the files, dry-run them, store a preview.

Returns the preview job (prospects.imports.states: PENDING, not queued until confirmed).
"""

import tempfile

from accounts.models import User
from prospects.imports.run import xlsx_import
from prospects.imports.states import preview_save
from prospects.imports.xlsx import upload_sha256
from prospects.jobs.options import ImportOptions
from prospects.models import Job, JobKind
from prospects.vcard.imports import uploads_check, uploads_pack, uploads_parse
from prospects.vcard.previews import vcard_preview_queue, vcard_preview_save, vcard_upload_is_large
from prospects.vcard.reader import VCardRejected


def xlsx_upload_preview(*, user: User, upload, update_existing: bool) -> Job:
    """An uploaded template checked and dry-run (ImportRejected when unreadable), kept as a preview.

    XlsxSource checks the file (sizes, XML, cell references) before anything reads it."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        for block in upload.chunks():
            tmp.write(block)
        tmp.flush()
        result, total = xlsx_import(
            path=tmp.name, user=user, update_existing=update_existing, valid_only=True, dry_run=True
        )
        checked_sha256 = upload_sha256(tmp.name)  # these bytes passed the checks: the run trusts the hash
    upload.seek(0)
    return preview_save(
        kind=JobKind.IMPORT_XLSX,
        by=user,
        options=ImportOptions(
            update_existing=update_existing,
            rows=total,
            probable_duplicates=result.probable_duplicates,
            checked_sha256=checked_sha256,
        ),
        source_name=upload.name or "import.xlsx",
        file_name=upload.name or "import.xlsx",
        content=upload,
        counts=result.counts,
        errors=result.errors,
    )


class VCardUploadRejected(Exception):
    """Nothing could be previewed: the reasons, one per refused file (or one for the upload)."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def vcard_upload_preview(*, user: User, files: list, update_existing: bool, via: str) -> Job:
    """Uploaded .vcf files checked, parsed and dry-run, kept as a preview (VCardUploadRejected otherwise).

    Too many cards to read within a request: the files go to a VCF_PREVIEW job instead, read in
    the background; its page shows the progress, then leads to the preview.
    """
    try:
        uploads_check([(upload.name or "", upload.size) for upload in files])
    except VCardRejected as rejected:
        raise VCardUploadRejected([rejected.message]) from None
    uploads = [(upload.name or "contacts.vcf", upload.read()) for upload in files]
    if vcard_upload_is_large(uploads):
        return vcard_preview_queue(user=user, uploads=uploads, via=via, update_existing=update_existing)
    parsed = uploads_parse(uploads)
    if not parsed.files:
        raise VCardUploadRejected([error["message"] for error in parsed.rejected])
    return vcard_preview_save(
        user=user,
        uploads=uploads,
        parsed=parsed,
        via=via,
        update_existing=update_existing,
        content=uploads_pack(uploads),
    )
