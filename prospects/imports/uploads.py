"""The upload step both import pages and the API share: check the files, dry-run them, store a preview.

Returns the preview job (prospects.imports.states: PENDING, not queued until confirmed).
"""

import tempfile

from accounts.models import User
from prospects.imports.plans import MAX_STORED_ERRORS
from prospects.imports.run import xlsx_import
from prospects.imports.states import preview_save
from prospects.imports.xlsx import xlsx_check
from prospects.jobs.options import ImportOptions, VCardImportOptions
from prospects.models import Job, JobKind
from prospects.vcard.imports import uploads_check, uploads_pack, uploads_parse, vcard_preview
from prospects.vcard.reader import VCardRejected


def xlsx_upload_preview(*, user: User, upload, update_existing: bool) -> Job:
    """An uploaded template checked and dry-run (ImportRejected when unreadable), kept as a preview."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        for block in upload.chunks():
            tmp.write(block)
        tmp.flush()
        xlsx_check(tmp.name)
        result, total = xlsx_import(
            path=tmp.name, user=user, update_existing=update_existing, valid_only=True, dry_run=True
        )
    upload.seek(0)
    return preview_save(
        kind=JobKind.IMPORT_XLSX,
        by=user,
        options=ImportOptions(update_existing=update_existing, rows=total),
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
    """Uploaded .vcf files checked, parsed and dry-run, kept as a preview (VCardUploadRejected otherwise)."""
    try:
        uploads_check([(upload.name or "", upload.size) for upload in files])
    except VCardRejected as rejected:
        raise VCardUploadRejected([rejected.message]) from None
    uploads = [(upload.name or "contacts.vcf", upload.read()) for upload in files]
    parsed = uploads_parse(uploads)
    if not parsed.files:
        raise VCardUploadRejected([error["message"] for error in parsed.rejected])
    counts, errors, cards = vcard_preview(user=user, upload=parsed, update_existing=update_existing)
    options = VCardImportOptions(
        via=via,
        update_existing=update_existing,
        files=[name for name, _data in uploads],
        cards=parsed.card_total,
        preview_cards=cards,
    )
    return preview_save(
        kind=JobKind.IMPORT_VCF,
        by=user,
        options=options,
        source_name=", ".join(name for name, _data in uploads),
        file_name="vcards.zip",
        content=uploads_pack(uploads),
        counts=counts,
        errors=errors[:MAX_STORED_ERRORS],
    )
