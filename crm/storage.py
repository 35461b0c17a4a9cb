"""Stored files that go with the rows that point to them."""

import logging

from django.core.files.storage import default_storage
from django.db import transaction

logger = logging.getLogger(__name__)


def stored_files_delete_on_commit(names: list[str]) -> None:
    """Delete these stored files once the transaction commits; a rollback keeps them.

    A file already gone or a storage hiccup is logged, not raised: the rows are what matters.
    """
    names = [name for name in names if name]
    if not names:
        return

    def remove() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except Exception:
                logger.warning("could not delete the stored file %s", name, exc_info=True)

    transaction.on_commit(remove)
