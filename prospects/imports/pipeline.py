"""The PostgreSQL write path of an import: COPY text formatted in a helper thread while the
chunk before it is sent, the trigram index merged from a second connection, the GIN flush
after commit, and plain INSERTs where there is no COPY.

Four threads share a run on PostgreSQL: a reader parses and checks the rows (no query,
`prospects.imports.checks`), the calling thread keeps the connection (lookups, companies,
ids, COPY), the formatter of `CopyPipeline` builds each chunk's COPY text while the
chunk before it is sent, and `GinMerger` merges the GIN pending lists on a connection of
its own. An exception in the reader or the formatter is raised in the calling thread and
rolls the whole run back; the merger's work is outside the transaction and best effort.
"""

import io
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import DatabaseError, connection, connections, transaction
from psycopg import Copy as PgCopy
from psycopg.copy import FileWriter
from psycopg.errors import LockNotAvailable

from prospects.imports.plans import batches
from prospects.imports.turns import OPEN, Turns
from prospects.models import ProspectContact

logger = logging.getLogger(__name__)
PAUSE_EVERY = 256  # rows the formatter writes between two looks at the Turns


# Every GIN index of the contact table (the list's trigram index) merges its pending list.
_GIN_CLEAN = (
    "SELECT gin_clean_pending_list(indexrelid::regclass) FROM pg_index JOIN pg_class c "
    "ON c.oid = indexrelid JOIN pg_am am ON am.oid = c.relam WHERE indrelid = %s::regclass "
    "AND am.amname = 'gin'"
)


def gin_indexes_flush() -> None:
    """Merge the pending lists of the contact table's GIN indexes (best effort, after commit)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(_GIN_CLEAN, [ProspectContact._meta.db_table])
    except Exception:  # the next autovacuum does it anyway
        logger.warning("could not flush the GIN pending lists", exc_info=True)


class GinMerger:
    """Merges the trigram index's pending list from a second connection while the import writes.

    Each new row's trigrams go to the index's pending list (cheap); merging the list into the
    index is a quarter of an import's database time, and the backend that fills the list does
    it inside the COPY that overflows it, while every later chunk waits. The merge does not
    need the import's transaction (it moves index entries; the list's search checks each
    entry's row anyway, pending or merged), so a connection of this thread's own does it on
    the other core, a batch of MERGE_ROWS rows at a time (a merge costs far less per row in
    large batches). Best effort: if this connection fails, the import's
    `gin_pending_list_limit` makes its own backend merge, as before.
    """

    def __init__(self):
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="import-gin-merge", daemon=True)
        self._thread.start()

    def request(self) -> None:
        """Merge what is pending (now, or as soon as the merge under way ends)."""
        self._wake.set()

    def close(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                try:
                    with transaction.atomic(), connection.cursor() as cursor:
                        # Never wait long behind a lock: one the import's own transaction holds
                        # would never be released while the import waits for this thread. (LOCAL:
                        # nothing outlives the transaction, behind PgBouncer in transaction mode.)
                        cursor.execute("SET LOCAL lock_timeout = '1s'")
                        cursor.execute(_GIN_CLEAN, [ProspectContact._meta.db_table])
                except DatabaseError as failure:  # this batch stays pending: the next merge takes it
                    if isinstance(failure.__cause__, LockNotAvailable):
                        # Another import's merger holds the index: it merges our rows too.
                        logger.info("the import's GIN merge waited for another one: skipped")
                    else:
                        logger.warning("the import's GIN merge failed", exc_info=True)
        finally:
            connections.close_all()  # this thread's own connection


class CopyPipeline:
    """COPY text built in a helper thread and sent by the calling thread one chunk behind.

    The calling thread keeps the connection: it sends chunk k - 1 and waits for the server
    (rows, indexes, foreign-key checks) while the helper formats chunk k, so the Python
    work of a chunk overlaps the database work of the one before.
    """

    def __init__(self, turns: Turns = OPEN):
        self._executor: ThreadPoolExecutor | None = None
        self._pending: deque[Future] = deque()
        self._cursor = None
        self._turns = turns

    def copy_text(self, rows: Iterable[tuple]) -> bytes:
        """Rows in COPY text format, formatted with the connection's adapters (helper thread)."""
        buffer = io.BytesIO()
        pause = self._turns.pause
        with PgCopy(self._cursor, binary=False, writer=FileWriter(buffer)) as copy:
            for count, row in enumerate(rows, start=1):
                copy.write_row(row)
                if count % PAUSE_EVERY == 0:
                    pause()
        return buffer.getvalue()

    def submit(self, build: Callable[..., list[tuple[str, list[str], bytes]]], *args) -> None:
        if self._executor is None:
            self._cursor = connection.connection.cursor()  # formats only: never executes
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-copy")
        self._pending.append(self._executor.submit(build, *args))
        while len(self._pending) > 1:
            self._send_next()

    def drain(self) -> None:
        while self._pending:
            self._send_next()

    def close(self) -> None:
        self._turns.close()  # a paused formatter must finish for the shutdown below
        for future in self._pending:
            future.cancel()
        self._pending.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def _send_next(self) -> None:
        # The helpers (this formatter, the reader) run while this thread waits, here only.
        with self._turns.waiting():
            payloads = self._pending.popleft().result()
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
