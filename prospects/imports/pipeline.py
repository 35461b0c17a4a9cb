"""The PostgreSQL write path of an import: COPY text formatted in a helper thread while the
chunk before it is sent, the GIN flush after commit, and plain INSERTs where there is no COPY.

Three threads share a run on PostgreSQL: a reader parses and checks the rows (no query,
`prospects.imports.checks`), the calling thread keeps the connection (lookups, companies,
ids, COPY), and the formatter of `CopyPipeline` builds each chunk's COPY text while the
chunk before it is sent. An exception in either helper is raised in the calling thread and
rolls the whole run back.
"""

import io
import logging
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connection
from psycopg import Copy as PgCopy
from psycopg.copy import FileWriter

from prospects.imports.plans import batches
from prospects.models import ProspectContact

logger = logging.getLogger(__name__)


def gin_indexes_flush() -> None:
    """Merge the pending lists of the contact table's GIN indexes (best effort, after commit)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT gin_clean_pending_list(indexrelid::regclass) FROM pg_index JOIN pg_class c "
                "ON c.oid = indexrelid JOIN pg_am am ON am.oid = c.relam WHERE indrelid = %s::regclass "
                "AND am.amname = 'gin'",
                [ProspectContact._meta.db_table],
            )
    except Exception:  # the next autovacuum does it anyway
        logger.warning("could not flush the GIN pending lists", exc_info=True)


class CopyPipeline:
    """COPY text built in a helper thread and sent by the calling thread one chunk behind.

    The calling thread keeps the connection: it sends chunk k - 1 and waits for the server
    (rows, indexes, foreign-key checks) while the helper formats chunk k, so the Python
    work of a chunk overlaps the database work of the one before.
    """

    def __init__(self):
        self._executor: ThreadPoolExecutor | None = None
        self._pending: deque[Future] = deque()
        self._cursor = None

    def copy_text(self, rows: Iterable[tuple]) -> bytes:
        """Rows in COPY text format, formatted with the connection's adapters (helper thread)."""
        buffer = io.BytesIO()
        with PgCopy(self._cursor, binary=False, writer=FileWriter(buffer)) as copy:
            for row in rows:
                copy.write_row(row)
        return buffer.getvalue()

    def submit(self, build: Callable[..., list[tuple[str, list[str], bytes]]], *args) -> None:
        if self._executor is None:
            self._cursor = connection.connection.cursor()  # formats only: never executes
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-copy")
        self._pending.append(self._executor.submit(build, *args))
        while len(self._pending) > 1:
            self._send(self._pending.popleft().result())

    def drain(self) -> None:
        while self._pending:
            self._send(self._pending.popleft().result())

    def close(self) -> None:
        for future in self._pending:
            future.cancel()
        self._pending.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    @staticmethod
    def _send(payloads: list[tuple[str, list[str], bytes]]) -> None:
        with connection.cursor() as cursor:
            for table, columns, data in payloads:
                if data:
                    quoted = ", ".join(f'"{column}"' for column in columns)
                    with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                        copy.write(data)


def insert_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Plain INSERTs, where there is no COPY (SQLite: the embedded default and the tests)."""
    quoted = ", ".join(f'"{column}"' for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        for batch in batches(rows, 2000):
            cursor.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({placeholders})', batch)
