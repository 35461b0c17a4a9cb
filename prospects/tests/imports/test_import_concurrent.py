"""Two imports of one file at the same time create each contact once (G4, issue 14).

Both runs are held just before their first write until the other one has matched too (or
a few seconds have passed): without the import lock both find nothing and both create;
with it the second waits for the first to commit, then matches its rows.
"""

import io
import threading

import pytest
from django.core.files import File
from django.core.management import call_command
from django.db import connection

from conftest import skip_or_fail
from crm.models import Company
from prospects.imports import run
from prospects.jobs.runner import job_run
from prospects.models import Job, JobKind, JobStatus, ProspectContact
from prospects.tests.imports.import_helpers import contact_row, write_xlsx
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 60


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        skip_or_fail("concurrent imports need PostgreSQL (SQLite runs one writer at a time)")


def _file(tmp_path):
    rows = []
    for index in range(ROWS):
        if index % 2:
            rows.append(contact_row(last_name=f"COURRIEL{index}", email=f"c{index}@exemple.fr"))
        else:  # no e-mail: matched by name and company, a company the file creates
            rows.append(contact_row(last_name=f"NOM{index}", company=f"Nouvelle société {index % 6 // 2}"))
    return write_xlsx(tmp_path / "f.xlsx", rows)


class _BothMatched:
    """Hold each run before its first write until both have got there (at most `wait` s)."""

    def __init__(self, monkeypatch, wait: float = 4.0):
        self.arrived = threading.Semaphore(0)
        self.count = 0
        self.lock = threading.Lock()
        self.wait = wait
        self.seen: set[int] = set()
        original = run.ImportWriter.write

        def write(writer, chunk):
            if id(writer) not in self.seen:
                self.seen.add(id(writer))
                with self.lock:
                    self.count += 1
                    both = self.count >= 2
                if both:
                    self.arrived.release()
                else:
                    self.arrived.acquire(timeout=self.wait)
            return original(writer, chunk)

        monkeypatch.setattr(run.ImportWriter, "write", write)


def _in_thread(target, errors: list) -> threading.Thread:
    def body():
        try:
            target()
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    return threading.Thread(target=body)


def _run_together(*targets) -> None:
    """Run the targets in threads at once; any exception one raised fails the test."""
    errors: list = []
    threads = [_in_thread(target, errors) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def _job_for(importer, path) -> Job:
    job = Job(kind=JobKind.IMPORT_XLSX, created_by=importer, options={"confirmed": True}, source_name="f.xlsx")
    with open(path, "rb") as handle:
        job.source_file.save("f.xlsx", File(handle), save=False)
    job.save()
    return job


def _command(path):
    call_command("import_prospects", str(path), user="lise", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_same_file_imported_twice_at_once_creates_each_contact_once(groups, paris, tmp_path, monkeypatch):
    importer = UserFactory(username="lise", entities=[paris], groups=[groups["Assistant commercial"]])
    path = _file(tmp_path)
    job = _job_for(importer, path)  # the web path: a confirmed upload run by a worker
    _BothMatched(monkeypatch)
    _run_together(lambda: job_run(job.pk), lambda: _command(path))

    assert ProspectContact.objects.count() == ROWS
    assert Company.objects.filter(name__startswith="Nouvelle société").count() == 3
    jobs = Job.objects.all()
    assert len(jobs) == 2 and {one.status for one in jobs} == {JobStatus.DONE}
    assert sorted(one.counts["created"] for one in jobs) == [0, ROWS]
    assert sorted(one.counts["skipped"] for one in jobs) == [0, ROWS]


def test_two_command_line_imports_at_once_create_each_contact_once(groups, paris, tmp_path, monkeypatch):
    UserFactory(username="lise", entities=[paris], groups=[groups["Assistant commercial"]])
    path = _file(tmp_path)
    _BothMatched(monkeypatch)
    _run_together(lambda: _command(path), lambda: _command(path))

    assert ProspectContact.objects.count() == ROWS


def test_a_user_who_sees_many_entities_and_one_who_sees_few_still_exclude_each_other(
    groups, paris, lyon, tmp_path, monkeypatch
):
    UserFactory(username="lise", entities=[paris], groups=[groups["Assistant commercial"]])
    marc = UserFactory(username="marc", entities=[paris, lyon], groups=[groups["Assistant commercial"]])
    monkeypatch.setattr(run, "MAX_ENTITY_LOCKS", 1)  # marc's run locks every entity at once
    path = _file(tmp_path)
    job = _job_for(marc, path)
    _BothMatched(monkeypatch)
    _run_together(lambda: job_run(job.pk), lambda: _command(path))

    assert ProspectContact.objects.count() == ROWS
