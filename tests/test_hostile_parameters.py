"""Every URL of the project, every known parameter, hostile values: never a server error.

The URL patterns are walked from the resolver, so a new page is covered without listing it.
Runs on SQLite and, in CI, on PostgreSQL (which refuses NUL bytes in text and ids past bigint).
"""

import inspect

import pytest
from django import forms as django_forms
from django.urls import URLPattern, URLResolver, get_resolver

from prospects import forms as prospect_forms
from prospects.imports import views as import_views
from prospects.list import forms as list_forms
from prospects.list.filters import ProspectFilter
from prospects.models import Job, JobKind, JobStatus
from prospects.vcard import forms as vcard_forms
from tasks import forms as task_forms
from tasks.models import TaskAttachment
from tests.factories import CompanyFactory, NoteFactory, ProspectFactory, TaskFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db

HUGE = "9" * 40
HOSTILE_VALUES = ["\x00", "x" * 100_000, "-1", "0", str(2**63), HUGE, "inconnu", "é'\"<>%;"]
# Sent one parameter at a time to the list pages (the NUL and huge-id cases stop in the middleware).
SINGLE_VALUES = ["x" * 100_000, "-1", str(2**63 - 1), "inconnu"]
COUNTS = dict.fromkeys(
    ("created", "updated", "skipped", "errors", "deleted", "companies_created", "companies_deleted"), 0
)
HOSTILE_IDS = ["-1", "0", str(2**63), HUGE, "abc", "1e3", "\x00", ""]
EXTRA_PARAMETERS = {"q", "sort", "page", "per_page", "company_q", "company_type", "type", "tasks_order", "version",
                    "next", "ids", "select_all", "query", "action", "confirm", "language", "existing"}  # fmt: skip


def _form_fields(module) -> set[str]:
    names = set()
    for _name, cls in inspect.getmembers(module, inspect.isclass):
        if issubclass(cls, django_forms.BaseForm) and hasattr(cls, "base_fields"):
            names |= set(cls.base_fields)
    return names


def known_parameters() -> list[str]:
    names = set(ProspectFilter.base_filters) | EXTRA_PARAMETERS
    for module in (prospect_forms, list_forms, vcard_forms, task_forms, import_views):
        names |= _form_fields(module)
    return sorted(names)


def url_patterns(resolvers=None, prefix="", namespace=""):
    """(route, view name, converters) for every pattern of the project."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            yield route, f"{namespace}{entry.name}", entry.pattern.converters


def _fill(route: str, values: dict[str, str]) -> str | None:
    import re

    if route.startswith("^") or "(?P" in route:  # regex routes (admin, media): a plain value each
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values.get(m.group(1), "1"), route)
        route = route.replace("^", "").replace("$", "").replace("\\", "")
        if any(char in route for char in "()[]*+?"):
            return None
        return "/" + route
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), route)


@pytest.fixture
def world(sales_rep, outsider, paris, lyon):
    """Objects the rep sees (Paris) and objects of another entity (Lyon), of every kind."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    ids: dict[str, list[int]] = {}
    for entity, owner in ((paris, sales_rep), (lyon, outsider)):
        prospect = ProspectFactory(entities=[entity], company=CompanyFactory(entities=[entity]))
        task = TaskFactory(prospect=prospect)
        note = NoteFactory(prospect=prospect, author=owner, entity=entity)
        attachment = TaskAttachment.objects.create(
            task=task, original_name="a.pdf", size=5, file=SimpleUploadedFile("a.pdf", b"%PDF-")
        )
        jobs = [
            Job.objects.create(
                kind=kind,
                created_by=owner,
                status=JobStatus.DONE,
                options={"cards": 1, "rows": 1, "files": []},
                counts=COUNTS,
            )
            for kind in (JobKind.IMPORT_XLSX, JobKind.IMPORT_VCF, JobKind.EXPORT_XLSX)
        ]
        for key, value in (
            ("prospect", prospect.pk), ("company", prospect.company_id), ("task", task.pk), ("note", note.pk),
            ("attachment", attachment.pk), *(("job", job.pk) for job in jobs),
        ):  # fmt: skip
            ids.setdefault(key, []).append(value)
    return ids


def _id_choices(world) -> list[str]:
    real = sorted({str(value) for values in world.values() for value in values}, key=int)
    return [*real, "0", str(2**63), HUGE]


def _check(response, what: str) -> None:
    assert response.status_code < 500, f"{response.status_code} for {what}"


def test_the_walk_finds_the_pages_and_the_parameters():
    names = {name for _route, name, _conv in url_patterns()}
    assert {"prospects:list", "prospects:company_picker", "prospects:company_options", "tasks:attach"} <= names
    assert {"q", "sort", "page", "per_page", "status", "revenue", "tasks"} <= set(known_parameters())


def test_every_url_with_every_id_never_answers_500(sales_rep, world):
    client = logged(sales_rep)
    for route, name, converters in url_patterns():
        if name == "logout" or name.startswith("admin:"):
            continue
        choices = _id_choices(world) if converters else [""]
        for value in choices:
            url = _fill(route, dict.fromkeys(converters, value))
            if url is None:
                continue
            _check(client.get(url), f"GET {url} ({name})")
            _check(client.post(url, {}), f"POST {url} ({name})")


def test_every_url_with_hostile_parameters_never_answers_500(sales_rep, world):
    client = logged(sales_rep)
    parameters = known_parameters()
    own = {key: str(values[0]) for key, values in world.items()}
    for route, name, converters in url_patterns():
        if name == "logout" or name.startswith("admin:"):
            continue
        kinds = {"prospect_pk": own["prospect"], "note_pk": own["note"]}
        guess = own["task"] if name.startswith("tasks:") else own["prospect"]
        if "attachment" in name:
            guess = own["attachment"]
        elif "job" in name or "import" in name or "vcard_preview" in name:
            guess = own["job"]
        elif "company_detail" in name:
            guess = own["company"]
        url = _fill(route, {key: kinds.get(key, guess) for key in converters})
        if url is None:
            continue
        for value in HOSTILE_VALUES:
            everything = dict.fromkeys(parameters, value)
            _check(client.get(url, everything), f"GET {url} ({name}) all={value[:20]!r}")
            _check(client.post(url, everything), f"POST {url} ({name}) all={value[:20]!r}")
        if name.endswith(("list", "company_picker", "company_options", "mine", "export_xlsx")):
            for parameter in parameters:
                for value in SINGLE_VALUES:
                    _check(client.get(url, {parameter: value}), f"GET {url} {parameter}={value[:20]!r}")


def test_a_nul_byte_gets_a_clear_400(sales_rep):
    client = logged(sales_rep)
    for url in ("/prospects/?q=%00", "/prospects/companies/?q=%00", "/prospects/company-options/?q=a%00",
                "/prospects/?%00=1", "/tasks/?status=%00"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 400, url
        assert "Un paramètre de l'adresse est invalide." in response.content.decode().replace("&#x27;", "'")
    response = client.post("/prospects/mass/status/", {"ids": "1\x00", "status": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize("action", ["assign", "status", "subscriptions", "delete"])
def test_prospect_mass_actions_with_hostile_ids_never_answer_500(sales_rep, world, action):
    from prospects.models import ProspectContact

    client = logged(sales_rep)
    others = [str(world["prospect"][1])]
    for ids in (others, *([value] for value in HOSTILE_IDS), HOSTILE_IDS + others):
        data = {"ids": ids, "status": "inconnu", "assigned_to": ids[0], "lists": ids, "confirm": "1"}
        _check(client.post(f"/prospects/mass/{action}/", data), f"{action} ids={ids}")
        data = {"select_all": "1", "query": "revenue=inconnu&q=%00&company=-1", "confirm": "1", "status": "x"}
        _check(client.post(f"/prospects/mass/{action}/", data), f"{action} select_all")
    assert ProspectContact.objects.filter(pk=world["prospect"][1]).exists(), "another entity's contact is kept"


def test_task_mass_actions_with_hostile_ids_never_answer_500(sales_rep, world):
    from tasks.models import Task

    client = logged(sales_rep)
    others = [str(world["task"][1])]
    urls = ["/tasks/mass/", f"/tasks/prospects/{world['prospect'][0]}/mass/"]
    for url in urls:
        for action in ("followed_by", "status", "priority", "delete"):
            for ids in (others, *([value] for value in HOSTILE_IDS), HOSTILE_IDS + others):
                data = {"action": action, "tasks": ids, "followed_by": ids[0], "status": "x", "priority": "-1"}
                _check(client.post(url, {**data, "confirm": "1"}), f"{url} {action} {ids}")
    assert Task.objects.filter(pk=world["task"][1]).exists()
