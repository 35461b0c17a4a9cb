"""Time the vCard export and import of 10,000 contacts against a plain vobject loop (issue 7).

    make bench-vcard          # or: .venv/bin/python bench/bench_vcard.py [--contacts 10000] [--runs 3]

Runs on a throw-away SQLite database in a temporary folder, or on the PostgreSQL database
BENCH_DATABASE_URL names (created if missing; its contacts are deleted first, so give it
a database of its own, e.g. postgres://postgres@127.0.0.1:5432/crm_bench_vcard). Seeds N
contacts shared with the "Paris" entity, with accents, commas, semicolons and line breaks
in their values, and a Commercial of Paris, whose rights and entity scoping every measured
export goes through.

Measured, median of --runs runs, in this one process:
- export as one .vcf and as a .zip of one .vcf each, from the database (selector, rights,
  serializer, archive), against a vobject loop that builds and serialises each card;
- import of the N-card .vcf end to end (read, validate and write through the shared import
  pipeline in one transaction, into an emptied table each run), against vobject alone
  parsing the same file (a lower bound for any vobject-based import: it writes nothing).
Every export is re-parsed once with vobject and compared with the database (G6).
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import ensure_database  # noqa: E402

TARGETS = {"export .zip": 1.0, "import .vcf": 3.0}  # issue 16: 10,000 contacts


def setup_django(workdir: str) -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    if url and url.startswith("postgres"):
        ensure_database(url)  # the bench's own database, never the app's
    os.environ["DATABASE_URL"] = url or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.pop("CELERY_BROKER_URL", None)
    import django
    from django.conf import settings

    django.setup()
    settings.MEDIA_ROOT = os.path.join(workdir, "media")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(count: int):
    from accounts.models import Entity, User
    from crm.models import Company
    from prospects.models import ProspectContact
    from prospects.rights import roles_setup
    from prospects.services import prospects_reindex

    roles_setup()
    ProspectContact.objects.all().delete()
    paris, _created = Entity.objects.get_or_create(code="bench-paris", defaults={"name": "Paris (bench)"})
    user, _created = User.objects.get_or_create(username="bench-rep", defaults={"first_name": "B", "last_name": "R"})
    user.entities.set([paris])
    from django.contrib.auth.models import Group

    user.groups.set([Group.objects.get(name="Commercial")])
    companies = Company.objects.bulk_create(Company(name=f"Société {i}, SA; groupe {i % 7}") for i in range(200))
    Company.entities.through.objects.bulk_create(
        Company.entities.through(company_id=company.pk, entity_id=paris.pk) for company in companies
    )
    prospects = ProspectContact.objects.bulk_create(
        (
            ProspectContact(
                last_name=f"Dupönt-{i}",
                first_name=["Hélène", "Jean; Luc", "Ana, María", "Zoë"][i % 4],
                company=companies[i % len(companies)] if i % 5 else None,
                department="Achats" if i % 3 else "",
                job_title="Directrice des achats, région Sud" if i % 2 else "",
                email=f"contact{i}@example.fr",
                phone=f"01 44 55 {i % 100:02d} {i % 97:02d}",
                mobile=f"06 12 34 {i % 100:02d} {i % 89:02d}" if i % 2 else "",
                fax="01 44 55 66 78" if i % 10 == 0 else "",
                address=f"{i} rue de la Paix\nBâtiment B" if i % 4 else "",
                postcode="75002",
                city="Paris",
                country="France",
                description=("Vue au salon; à rappeler, \\ urgent\n" * (1 + i % 3)) if i % 6 == 0 else "",
            )
            for i in range(count)
        ),
        batch_size=2000,
    )
    ProspectContact.entities.through.objects.bulk_create(
        (ProspectContact.entities.through(prospectcontact_id=p.pk, entity_id=paris.pk) for p in prospects),
        batch_size=5000,
    )
    prospects_reindex(prospects=ProspectContact.objects.all())
    return user


def timed(func, runs: int) -> tuple[float, object]:
    values, result = [], None
    for _run in range(runs):
        started = time.perf_counter()
        result = func()
        values.append(time.perf_counter() - started)
    return statistics.median(values), result


def vobject_card(prospect):
    """The straightforward way: build each card with vobject and let it serialise."""
    import vobject

    card = vobject.vCard()
    card.add("n").value = vobject.vcard.Name(family=prospect.last_name, given=prospect.first_name)
    card.add("fn").value = f"{prospect.first_name} {prospect.last_name}".strip() or "-"
    if prospect.company_id or prospect.department:
        card.add("org").value = [prospect.company.name if prospect.company_id else "", prospect.department]
    if prospect.job_title:
        card.add("title").value = prospect.job_title
    if prospect.email:
        email = card.add("email")
        email.value, email.type_param = prospect.email, "work"
    for value, kind in ((prospect.phone, ["work", "voice"]), (prospect.mobile, ["cell"]), (prospect.fax, ["fax"])):
        if value:
            tel = card.add("tel")
            tel.value, tel.type_paramlist = value, kind
    if prospect.address or prospect.city:
        card.add("adr").value = vobject.vcard.Address(
            street=prospect.address, city=prospect.city, code=prospect.postcode, country=prospect.country
        )
    if prospect.description:
        card.add("note").value = prospect.description
    card.add("uid").value = str(prospect.pk)
    return card.serialize()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        setup_django(workdir)
        return run(args.contacts, args.runs)


def run(count: int, runs: int) -> int:
    import vobject
    from django.db import connection

    from prospects.vcard.exports import prospects_for_vcard_export, write_export

    print(f"Seeding {count:,} contacts ({connection.vendor})…", flush=True)
    user = seed(count)
    selection = prospects_for_vcard_export(user)
    assert selection.count() == count

    def export(as_zip: bool) -> bytes:
        buffer = io.BytesIO()
        write_export(prospects_for_vcard_export(user), buffer, as_zip=as_zip)
        return buffer.getvalue()

    def baseline_vcf() -> str:
        return "".join(vobject_card(p) for p in prospects_for_vcard_export(user).iterator(chunk_size=2000))

    def baseline_zip() -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for p in prospects_for_vcard_export(user).iterator(chunk_size=2000):
                archive.writestr(f"{p.pk}.vcf", vobject_card(p))
        return buffer.getvalue()

    rows = []
    ours, vcf = timed(lambda: export(False), runs)
    base, _ = timed(baseline_vcf, runs)
    rows.append(("export .vcf", ours, base))
    ours, archive = timed(lambda: export(True), runs)
    base, _ = timed(baseline_zip, runs)
    rows.append(("export .zip", ours, base))

    # Round trip (G6): the exports re-parse with vobject to the database's contacts.
    parsed = list(vobject.readComponents(vcf.decode("utf-8")))
    expected = {p.email: (p.last_name, p.first_name) for p in selection}
    assert {c.email.value: (c.n.value.family, c.n.value.given) for c in parsed} == expected
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert len(opened.namelist()) == count

    rows.extend(bench_import(user, vcf, runs))

    print(f"\n{count:,} contacts, median of {runs} runs (vobject loop = baseline on the same data)\n")
    header = f"{'task':16} {'ours (s)':>9} {'vobject (s)':>12} {'speed-up':>9} {'target':>8}"
    print(header)
    print("-" * len(header))
    failures = 0
    for task, ours, base in rows:
        target = TARGETS.get(task)
        missed = target is not None and ours > target
        failures += missed
        print(
            f"{task:16} {ours:>9.2f} {base:>12.2f} {base / ours:>8.1f}x "
            f"{f'≤ {target:.0f} s' if target else '':>8}{'  MISSED' if missed else ''}"
        )
    return 1 if failures else 0


def bench_import(user, vcf: bytes, runs: int) -> list:
    """The N-card file into an emptied table, end to end, each run rolled back by a delete."""
    import vobject
    from django.db import transaction

    from prospects.models import ProspectContact
    from prospects.vcard.imports import uploads_parse, vcard_import

    ProspectContact.objects.all().delete()
    created = []

    def ours():
        with transaction.atomic():
            counts, errors = vcard_import(
                user=user, upload=uploads_parse([("bench.vcf", vcf)]), update_existing=False, valid_only=False
            )
        created.append(counts["created"])
        return counts

    timings = []
    for _run in range(runs):
        ProspectContact.objects.all().delete()
        started = time.perf_counter()
        ours()
        timings.append(time.perf_counter() - started)
    assert set(created) == {ProspectContact.objects.count()}, created

    def baseline():
        return [
            (card.n.value.family, card.n.value.given, card.email.value)
            for card in vobject.readComponents(vcf.decode("utf-8"))
        ]

    base, cards = timed(baseline, runs)
    assert len(cards) == created[0]
    return [("import .vcf", statistics.median(timings), base)]


if __name__ == "__main__":
    sys.exit(main())
