"""Content-Security-Policy (django-csp), Referrer-Policy and Permissions-Policy on every page,
and no inline script left for the policy to refuse."""

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import ProspectFactory
from tests.helpers import logged

ROOT = Path(__file__).resolve().parent.parent
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"javascript:", re.I)


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def _assert_secure_headers(response) -> None:
    directives = _directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in response["Permissions-Policy"]


def _assert_no_inline_code(html: str, where: str) -> None:
    for pattern in (INLINE_HANDLER, INLINE_SCRIPT, STYLE_ATTRIBUTE, JAVASCRIPT_URL):
        found = pattern.search(html)
        assert found is None, f"{where}: {html[max(0, found.start() - 80) : found.end() + 80]}"


@pytest.mark.django_db
def test_every_kind_of_page_gets_the_policy_headers(sales_rep, manager, rep_without_rights, admin_user, paris):
    julie = ProspectFactory(entities=[paris])
    from guardian.shortcuts import assign_perm

    for codename in ("view_prospectcontact", "change_prospectcontact", "delete_prospectcontact"):
        assign_perm(f"prospects.{codename}", sales_rep, julie)
    rep = logged(sales_rep)
    responses = {
        "login": Client().get("/accounts/login/"),
        "list": rep.get("/prospects/"),
        "card": rep.get(f"/prospects/{julie.pk}/"),
        "form": rep.get(f"/prospects/{julie.pk}/edit/"),
        "new": rep.get("/prospects/new/"),
        "import": logged(manager).get("/prospects/import/"),
        "tasks": rep.get("/tasks/"),
        "htmx partial": rep.get("/prospects/", HTTP_HX_REQUEST="true"),
        "403": logged(rep_without_rights).get("/prospects/import/"),
        "404": rep.get("/nowhere/"),
        "admin": logged(admin_user).get("/admin/"),
        "admin login": Client().get("/admin/login/"),
    }
    expected = {"403": 403, "404": 404}
    for name, response in responses.items():
        assert response.status_code == expected.get(name, 200), name
        _assert_secure_headers(response)
        if response.get("Content-Type", "").startswith("text/html"):
            _assert_no_inline_code(response.content.decode(), name)
    # The rendered pages did include what used to carry inline handlers.
    assert "/delete/" in responses["card"].content.decode()  # now a confirmation page, no script at all
    assert "data-autosubmit" in responses["list"].content.decode()


def test_no_template_or_python_module_writes_inline_script():
    sources = [*ROOT.glob("templates/**/*.html")]
    for app in ("accounts", "crm", "prospects", "tasks", "config"):
        sources += [path for path in (ROOT / app).rglob("*.py") if "tests" not in path.parts]
    assert len(sources) > 40
    for path in sources:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            # Python code mentions "<script" when it sniffs uploads; only HTML it writes matters.
            text = "\n".join(line for line in text.splitlines() if "<" in line and 'b"<' not in line)
        _assert_no_inline_code(text, str(path.relative_to(ROOT)))


def test_htmx_is_served_from_our_static_files_and_configured_for_the_policy():
    base = (ROOT / "templates/base.html").read_text(encoding="utf-8")
    assert "{% static 'vendor/htmx.min.js' %}" in base and "{% static 'js/behaviours.js' %}" in base
    assert '"includeIndicatorStyles": false' in base and '"allowEval": false' in base
    assert "http://" not in base and "https://" not in base
