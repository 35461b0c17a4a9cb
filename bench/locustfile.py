"""Simulated sales users for `make bench-load` (run by bench/bench_load.py, in the bench's own venv).

Each user is already logged in (a session the driver opened beforehand: a sales day does not
start with fifty password hashes at once), then works the list and the cards as a
salesperson does: the list, a filter, a search, a sort, the next pages (htmx partials, as the
browser sends them), a contact's card, and now and then a note. BENCH_LOAD_DATA names a
JSON file written by the driver: the session keys, contact ids the accounts may see, reps,
search terms.
"""

import itertools
import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, events, task

DATA = json.loads(Path(os.environ["BENCH_LOAD_DATA"]).read_text(encoding="utf-8"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HTMX = {"HX-Request": "true"}
SESSIONS = itertools.cycle(DATA["sessions"])
# Sorts the list serves from an index in both directions (prospects/list/paging.py WALKABLE_SORTS):
# by name and company, reported as "list sort", and by the other indexed columns, reported apart.
INDEXED_SORTS = ["last_name", "-last_name", "company", "-company"]
OTHER_SORTS = ["first_name", "status", "-job_title"]


# Every request, one line each (start time, page, milliseconds, failed): the driver takes the
# list's p99 over the window in which the import ran from it.
REQUESTS_LOG = os.environ.get("BENCH_LOAD_REQUESTS")
_requests_log = open(REQUESTS_LOG, "a", encoding="utf-8") if REQUESTS_LOG else None  # noqa: SIM115 (process-long)


@events.request.add_listener
def _log_request(name, response_time, exception, start_time=None, **_kwargs):
    if _requests_log is not None and start_time is not None:
        _requests_log.write(f"{start_time:.3f}\t{name}\t{response_time:.1f}\t{int(exception is not None)}\n")


@events.quitting.add_listener
def _close_log(**_kwargs):
    if _requests_log is not None:
        _requests_log.close()


class SalesUser(HttpUser):
    wait_time = between(DATA.get("think_min", 1.0), DATA.get("think_max", 3.0))

    def on_start(self):
        self.client.cookies.set("sessionid", next(SESSIONS), domain="127.0.0.1", path="/")

    @task(4)
    def list_page(self):
        self.client.get("/prospects/", name="list")

    @task(3)
    def filter(self):
        params = {"status": random.choice(DATA["statuses"]), "assigned_to": random.choice(DATA["reps"])}
        self.client.get("/prospects/", params=params, headers=HTMX, name="list filter")

    @task(3)
    def search(self):
        self.client.get("/prospects/", params={"q": random.choice(DATA["terms"])}, headers=HTMX, name="list search")

    @task(2)
    def sort(self):
        sort = random.choice(INDEXED_SORTS)
        self.client.get("/prospects/", params={"sort": sort}, headers=HTMX, name="list sort")

    @task(1)
    def sort_other(self):
        sort = random.choice(OTHER_SORTS)
        self.client.get("/prospects/", params={"sort": sort}, headers=HTMX, name="sort, other")

    @task(2)
    def page(self):
        params = {"page": random.randint(2, 10)}
        self.client.get("/prospects/", params=params, headers=HTMX, name="list page")

    @task(3)
    def card(self):
        self.client.get(f"/prospects/{random.choice(DATA['contacts'])}/", name="card")

    @task(1)
    def note(self):
        pk = random.choice(DATA["contacts"])
        card = self.client.get(f"/prospects/{pk}/", name="card")
        match = CSRF.search(card.text)
        if not match:
            return
        self.client.post(
            f"/prospects/{pk}/notes/",
            data={"text": "Rappeler la semaine prochaine (bench)", "csrfmiddlewaretoken": match.group(1)},
            name="note",
        )
