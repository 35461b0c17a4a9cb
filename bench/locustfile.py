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

from locust import HttpUser, between, task

DATA = json.loads(Path(os.environ["BENCH_LOAD_DATA"]).read_text(encoding="utf-8"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HTMX = {"HX-Request": "true"}
SESSIONS = itertools.cycle(DATA["sessions"])
# Sorts the list serves from an index in both directions (prospects/list/paging.py WALKABLE_SORTS):
# by name and company, reported as "list sort", and by the other indexed columns, reported apart.
INDEXED_SORTS = ["last_name", "-last_name", "company", "-company"]
OTHER_SORTS = ["first_name", "status", "-job_title"]


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
