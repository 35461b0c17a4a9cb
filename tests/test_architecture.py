"""The layering rules, read from the sources: app dependencies point one way, migrations are frozen.

accounts ← crm ← prospects ← tasks: a lower app never imports a higher one, not even inside a
function. Migrations run forever on old data, so they never import live application code.
"""

import ast
from pathlib import Path

import pytest

from accounts.apps import PROJECT_APPS

ROOT = Path(__file__).resolve().parent.parent

# app → the apps it must never import (tests excluded)
FORBIDDEN = {
    "accounts": {"crm", "prospects", "tasks"},
    "crm": {"prospects", "tasks"},
    "prospects": {"tasks"},
}


def imported_modules(source: str) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in the source, at any depth, and of import_module("...")."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            # `from prospects import selectors` imports prospects.selectors
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return sorted(found)


def _sources(app: str, *, migrations: bool):
    for path in sorted((ROOT / app).rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts:
            continue
        if ("migrations" in parts) == migrations:
            yield path


def layering_violations(app: str, source: str) -> list[str]:
    return [
        f"line {line}: imports {module}"
        for line, module in imported_modules(source)
        if module.split(".")[0] in FORBIDDEN.get(app, set())
    ]


def migration_violations(source: str) -> list[str]:
    """Imports of a project app's live modules from a migration.

    Allowed: other migrations, and `import <app>.models` at module level, which Django's
    migration writer emits for a field's callables (upload_to=prospects.models.job_file_path):
    the autodetector compares those callables with the model's, so a frozen copy would make
    `makemigrations` see a change forever.
    """
    tree = ast.parse(source)
    writer_imports = {
        (node.lineno, alias.name)
        for node in tree.body
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name.endswith(".models") and alias.name.count(".") == 1
    }
    return [
        f"line {line}: imports {module}"
        for line, module in imported_modules(source)
        if module.split(".")[0] in PROJECT_APPS
        and ".migrations" not in module
        and (line, module) not in writer_imports
        and module not in PROJECT_APPS  # `from prospects import search` is reported as prospects.search
    ]


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_an_app_never_imports_an_app_above_it(app):
    problems = {
        str(path.relative_to(ROOT)): found
        for path in _sources(app, migrations=False)
        if (found := layering_violations(app, path.read_text()))
    }
    assert problems == {}


@pytest.mark.parametrize("app", PROJECT_APPS)
def test_migrations_import_no_live_application_code(app):
    problems = {
        str(path.relative_to(ROOT)): found
        for path in _sources(app, migrations=True)
        if (found := migration_violations(path.read_text()))
    }
    assert problems == {}


def test_the_checks_see_imports_at_any_depth():
    source = (
        "import os\n"
        "from crm.models import Company\n"
        "def f():\n"
        "    from prospects.selectors import prospects_visible_to\n"
        "    import tasks.models\n"
        "    return importlib.import_module('prospects.search')\n"
    )
    assert layering_violations("crm", source) == [
        "line 4: imports prospects.selectors",
        "line 4: imports prospects.selectors.prospects_visible_to",
        "line 5: imports tasks.models",
        "line 6: imports prospects.search",
    ]
    assert layering_violations("tasks", source) == []
    assert layering_violations("prospects", "from tasks import views\n") == [
        "line 1: imports tasks",
        "line 1: imports tasks.views",
    ]


def test_the_migration_check_allows_only_the_writers_model_references():
    allowed = "import prospects.models\nfrom prospects.migrations import helpers\nfrom django.db import models\n"
    assert migration_violations(allowed) == []
    frozen_violations = migration_violations(
        "def fill(apps, schema_editor):\n"
        "    from prospects.search import search_text_of\n"
        "from prospects import search\n"
        "from tasks.models import Task\n"
    )
    assert frozen_violations == [
        "line 2: imports prospects.search",
        "line 2: imports prospects.search.search_text_of",
        "line 3: imports prospects.search",
        "line 4: imports tasks.models",
        "line 4: imports tasks.models.Task",
    ]
