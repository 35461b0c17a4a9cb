"""Codenames once (issue 13): no right's codename is spelled outside prospects/rights.py, migrations and tests."""

import ast
from pathlib import Path

from prospects.rights import ALL_RIGHTS

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", "venv", "node_modules", "migrations", "tests", ".git", "media", "static", "templates"}
ALLOWED_FILES = {"prospects/rights.py", "conftest.py"}
# The import engine is being split in another branch, which also moves it to the constants;
# this entry goes when that branch is merged.
PENDING_FILES: set[str] = set()
NAMES = {name for right in ALL_RIGHTS for name in (right.codename, right.perm)}


def _python_sources():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if SKIPPED_DIRS & set(relative.parts[:-1]):
            continue
        if str(relative) in ALLOWED_FILES | PENDING_FILES:
            continue
        yield relative, path


def codename_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string literal, or f-string part, that names a right."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text in NAMES or any(text.endswith(f"prospects.{right.codename}") for right in ALL_RIGHTS):
                found.append((node.lineno, text))
    return found


def test_the_check_finds_both_spellings_and_f_strings():
    source = 'A = "edit_prospect"\nB = "prospects.convert_prospect"\nC = f"prospects.export_prospects_vcf"\nD = "x"\n'
    assert [line for line, _text in codename_literals(source)] == [1, 2, 3]


def test_no_right_codename_is_spelled_outside_rights_migrations_and_tests():
    offenders = [
        f"{relative}:{line}: {text!r}"
        for relative, path in _python_sources()
        for line, text in codename_literals(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "use the constants of prospects/rights.py:\n" + "\n".join(offenders)


def test_the_sources_checked_include_every_app():
    checked = {relative.parts[0] for relative, _path in _python_sources()}
    assert {"accounts", "crm", "prospects", "tasks"} <= checked
