"""Which thread of a PostgreSQL import runs Python: the calling thread first, its helpers while it waits.

The calling thread holds the run's only database connection: while it runs Python (matching
a chunk, taking ids), the database has nothing to do. The reader and the COPY formatter run
Python too, and the GIL gives one core to the three of them: a helper running beside the
calling thread halves its speed, and the database waits twice as long between two chunks.
So the helpers run while the calling thread waits (for the database, or for them), and pause
at their next row otherwise; they finish their work well within the database's time.
"""

import queue
import threading
from contextlib import contextmanager


class Turns:
    """`waiting()` around the calling thread's waits; `pause()` in the helpers' loops."""

    def __init__(self, *, enabled: bool = True):
        self._free = threading.Event()
        self._closed = not enabled
        if self._closed:
            self._free.set()

    @contextmanager
    def waiting(self):
        self._free.set()
        try:
            yield
        finally:
            if not self._closed:
                self._free.clear()

    def pause(self) -> None:
        """In a helper: wait until the calling thread waits (or the run ends)."""
        self._free.wait()

    def close(self) -> None:
        """No more pauses: the calling thread is about to join the helpers, or to fail."""
        self._closed = True
        self._free.set()


OPEN = Turns(enabled=False)  # helpers never pause (SQLite, previews)


class Handoff:
    """Items a producer thread hands to the consumer through a bounded queue (at most `size` wait).

    The producer's `put` returns False once the consumer has stopped (it then returns too); an
    exception the producer puts is raised by the consumer's `get`.
    """

    def __init__(self, size: int = 2):
        self._items: queue.Queue = queue.Queue(maxsize=size)
        self._stopped = threading.Event()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def put(self, item) -> bool:
        while not self._stopped.is_set():
            try:
                self._items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def get(self):
        item = self._items.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def stop(self) -> None:
        self._stopped.set()
