"""Time the Excel import end to end against django-import-export and the floor (issue 6).

    make bench-import          # or: .venv/bin/python bench/bench_import.py [--rows 100000] [--runs 1]

Creates the PostgreSQL database `crm_bench_import` (BENCH_IMPORT_DATABASE_URL to change it),
migrates it, seeds the reference data (users, entities, sectors), writes a ROWS-row file in
the import template's format (all new contacts, 2,000 companies of which half exist), then
runs each method in a fresh process on the same file and database, emptying the contacts
between runs:

- ours: the whole job as a worker runs it, once the upload page's preview (not timed here:
  the `preview` line) checked the file and the user confirmed (stored upload → zip directory
  checks and the SHA-256 of the previewed bytes instead of a second XML scan → calamine parse →
  validation with duplicate matching → COPY of contacts and entity links; the rep's right is the
  rule assigned_to = user, so an import writes no object-permission row; a second connection
  merges the trigram index's pending list while the COPYs go on, see
  `prospects.imports.pipeline.GinMerger`);
- ours, preview: the dry run the upload page does (everything but the writes);
- django-import-export 4.4: a plain ModelResource on the same file (tablib/openpyxl read,
  default settings), installed by the make target only (not a project dependency);
- floor: calamine parse of the file + PostgreSQL COPY of the raw rows;
- same rows, COPY only: calamine parse + COPY of exactly what `ours` wrote (its companies,
  contacts and entity links, dumped after its run) with the same session
  settings and per-statement foreign-key checks, on one connection (no merging one): the cost
  of the schema (foreign keys, indexes, trigram search) without any of our Python. Needs
  `ours` in the same run.

Prints rows/s, peak memory (max RSS of the process), the CPU time of the process and of its
PostgreSQL backend, and the ratios. `--skip import_export` leaves out the 6-minute peer run
(`make bench-import BENCH_ARGS="--skip import_export"` while iterating).
"""

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import ensure_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/crm_bench_import"
TARGET_ROWS_PER_SECOND = 10_000  # issue 16
TARGET_PEAK_MB = 250
IMPORTER = "lise"


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.pop("CELERY_BROKER_URL", None)  # the handler runs in this process, as eager mode does
    import django

    django.setup()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------------------
# The file


def write_file(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    from prospects.demo import COMPANY_SUFFIXES, COMPANY_WORDS, DEPARTMENTS, FIRST_NAMES, JOB_TITLES, LAST_NAMES
    from prospects.imports.columns import COLUMNS, DATA_SHEET

    rng = random.Random(2026)
    companies = [f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)} {index}" for index in range(2000)]
    regions = ["Ile-de-France", "Auvergne-Rhône-Alpes", "Bretagne", "Occitanie", ""]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(DATA_SHEET)
    sheet.append([column.title for column in COLUMNS])
    for index in range(rows):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        values = {
            "gender": rng.choice(["M.", "Mme", ""]),
            "last_name": last,
            "first_name": first,
            "company": rng.choice(companies) if rng.random() < 0.9 else "",
            "department": rng.choice(DEPARTMENTS),
            "job_title": rng.choice(JOB_TITLES),
            "email": f"contact.{index}@bench-import.fr",
            "phone": "01 " + " ".join(f"{rng.randint(0, 99):02d}" for _ in range(4)),
            "mobile": "06" + "".join(f"{rng.randint(0, 99):02d}" for _ in range(4)),
            "address": f"{rng.randint(1, 200)} rue de la République",
            "postcode": f"{rng.randint(1000, 95999):05d}",
            "city": "Paris",
            "region": rng.choice(regions),
            "country": "France",
            "assigned_to": rng.choice(["marine", "mari", ""]),
            "status": rng.choice(["Nouveau", "En cours", ""]),
            "sector": rng.choice(["Banque", "Conseil", "Informatique", ""]),
            "origin": rng.choice(["Salon / événement", "Site web", ""]),
            "entities": "Paris",
        }
        sheet.append([values.get(column.key, "") for column in COLUMNS])
    workbook.save(path)


def existing_companies(count: int = 1000) -> None:
    """Half of the file's companies already exist (shared with Paris)."""
    from accounts.models import Entity
    from crm.models import Company
    from prospects.demo import COMPANY_SUFFIXES, COMPANY_WORDS

    if Company.objects.filter(name__endswith=" 0").exists():
        return
    rng = random.Random(2026)
    names = [f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)} {index}" for index in range(2000)][:count]
    companies = Company.objects.bulk_create([Company(name=name) for name in names])
    paris = Entity.objects.get(code="paris")
    Company.entities.through.objects.bulk_create(
        [Company.entities.through(company_id=company.pk, entity_id=paris.pk) for company in companies]
    )


def reset() -> None:
    """Empty the contacts (and the companies an import created) between two runs."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE prospects_prospectcontact, prospects_prospectcontact_entities, "
            "prospects_prospectcontactuserobjectpermission RESTART IDENTITY CASCADE"
        )
        cursor.execute("DELETE FROM prospects_job")
        cursor.execute(
            "DELETE FROM crm_company_entities WHERE company_id IN "
            f"(SELECT id FROM crm_company WHERE {CREATED_COMPANIES})"
        )
        cursor.execute(f"DELETE FROM crm_company WHERE {CREATED_COMPANIES}")


# ---------------------------------------------------------------------------------------
# The methods, each run in its own process


def previewed_job(path: Path) -> int:
    """The confirmed job of an upload, made as the upload page and the API make it (not timed:
    the preview is the `preview` line): its run reads the bytes the preview checked."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import User
    from prospects.imports.uploads import xlsx_upload_preview
    from prospects.jobs.options import ImportOptions
    from prospects.models import Job

    user = User.objects.get(username=IMPORTER)
    with open(path, "rb") as handle:
        upload = SimpleUploadedFile(path.name, handle.read())
    job = xlsx_upload_preview(user=user, upload=upload, update_existing=False)
    options = ImportOptions.of(job).confirmed_with(valid_only=False)
    Job.objects.filter(pk=job.pk).update(options=options.merged_into(job.options))
    return job.pk


def run_ours(path: Path, *, dry_run: bool, job_id: int | None = None) -> dict:
    from accounts.models import User
    from prospects.imports.run import xlsx_import
    from prospects.jobs.runner import job_run
    from prospects.models import Job, JobStatus, ProspectContact

    user = User.objects.get(username=IMPORTER)
    started = time.perf_counter()
    if dry_run:
        result, _total = xlsx_import(path=path, user=user, update_existing=False, valid_only=False, dry_run=True)
        elapsed = time.perf_counter() - started
        return {"seconds": elapsed, "rows": result.counts["created"], "peak_mb": peak_mb()}
    job = Job.objects.get(pk=job_id)
    status = job_run(job.pk)
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    if status != JobStatus.DONE:
        raise SystemExit(f"import failed: {job.error_message} {job.errors[:3]}")
    return {"seconds": elapsed, "rows": ProspectContact.objects.filter(import_job=job).count(), "peak_mb": peak_mb()}


def run_import_export(path: Path) -> dict:
    import tablib
    from import_export import resources

    from prospects.imports.columns import COLUMNS
    from prospects.models import ProspectContact

    text_fields = ["last_name", "first_name", "department", "job_title", "email", "phone", "mobile", "address"]
    text_fields += ["postcode", "city", "country"]

    class ProspectResource(resources.ModelResource):
        class Meta:
            model = ProspectContact
            fields = ("id", *text_fields)

    started = time.perf_counter()
    with open(path, "rb") as handle:
        dataset = tablib.Dataset().load(handle.read(), format="xlsx")
    # The template's French titles → the model's field names; coded columns left out.
    keys = {column.title: column.key for column in COLUMNS}
    dataset.headers = [keys.get(title, title) for title in dataset.headers]
    for header in list(dataset.headers):
        if header not in text_fields:
            del dataset[header]
    result = ProspectResource().import_data(dataset, dry_run=False, raise_errors=True)
    elapsed = time.perf_counter() - started
    assert not result.has_errors()
    return {"seconds": elapsed, "rows": ProspectContact.objects.count(), "peak_mb": peak_mb()}


def run_floor(path: Path) -> dict:
    from django.db import connection
    from django.utils import timezone
    from python_calamine import CalamineWorkbook

    from prospects.imports.columns import COLUMNS, DATA_SHEET
    from prospects.models import ProspectContact

    started = time.perf_counter()
    text = [(index, column.key) for index, column in enumerate(COLUMNS) if column.kind in ("text", "email", "phone")]
    text += [(index, column.key) for index, column in enumerate(COLUMNS) if column.kind == "postcode"]
    now = timezone.now()
    fixed = {"status": "nouveau", "created_at": now, "updated_at": now}
    for model_field in ProspectContact._meta.concrete_fields:  # the other NOT NULL text columns
        if model_field.generated:  # the database computes those
            continue
        if not model_field.null and model_field.get_internal_type() in ("CharField", "TextField", "EmailField"):
            fixed.setdefault(model_field.column, "")
    for _index, key in text:
        fixed.pop(key, None)
    columns = [key for _index, key in text] + list(fixed)
    fixed_values = list(fixed.values())
    workbook = CalamineWorkbook.from_path(str(path))
    rows = workbook.get_sheet_by_name(DATA_SHEET).iter_rows()
    next(rows)
    with connection.cursor() as cursor, transaction_atomic():
        table = ProspectContact._meta.db_table
        with cursor.cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([str(row[index]) for index, _key in text] + fixed_values)
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "rows": ProspectContact.objects.count(), "peak_mb": peak_mb()}


# What `ours` wrote, dumped after its run and replayed by `same_rows`, in foreign-key order.
DUMP_DIR = Path(os.environ.get("BENCH_IMPORT_DUMP_DIR", "/tmp/bench-import-dump"))
CREATED_COMPANIES = "name !~ ' [0-9]+$' OR CAST(substring(name from ' ([0-9]+)$') AS integer) >= 1000"
DUMPED = (
    ("prospects_job", "SELECT * FROM prospects_job"),
    ("crm_company", f"SELECT * FROM crm_company WHERE {CREATED_COMPANIES}"),
    (
        "crm_company_entities",
        "SELECT * FROM crm_company_entities WHERE company_id IN "
        f"(SELECT id FROM crm_company WHERE {CREATED_COMPANIES})",
    ),
    ("prospects_prospectcontact", "SELECT * FROM prospects_prospectcontact"),
    ("prospects_prospectcontact_entities", "SELECT * FROM prospects_prospectcontact_entities"),
)


def _stored_columns(cursor, table: str) -> str:
    """The table's columns COPY may write: generated ones (the duplicates' name key) are computed."""
    cursor.execute(
        "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) FROM information_schema.columns"
        " WHERE table_name = %s AND is_generated = 'NEVER'",
        [table],
    )
    return cursor.fetchone()[0]


def dump_written() -> None:
    from django.db import connection

    DUMP_DIR.mkdir(exist_ok=True)
    with connection.cursor() as cursor:
        for table, query in DUMPED:
            columns = _stored_columns(cursor, table)
            query = query.replace("SELECT *", f"SELECT {columns}", 1)
            with open(DUMP_DIR / table, "wb") as out, cursor.cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
                for data in copy:
                    out.write(data)


def run_same_rows(path: Path) -> dict:
    from django.db import connection
    from python_calamine import CalamineWorkbook

    from prospects.imports.columns import DATA_SHEET
    from prospects.imports.pipeline import gin_indexes_flush
    from prospects.models import ProspectContact

    if not (DUMP_DIR / "prospects_prospectcontact").exists():
        raise SystemExit("same_rows replays what `ours` wrote: run `ours` first")
    started = time.perf_counter()
    workbook = CalamineWorkbook.from_path(str(path))
    for _row in workbook.get_sheet_by_name(DATA_SHEET).iter_rows():
        pass
    with connection.cursor() as cursor, transaction_atomic():
        cursor.execute("SET LOCAL gin_pending_list_limit = '64MB'")  # as ours does (ImportWriter._ids)
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, _query in DUMPED:
            columns = _stored_columns(cursor, table)
            copy_sql = f'COPY "{table}" ({columns}) FROM STDIN'
            with open(DUMP_DIR / table, "rb") as dumped, cursor.cursor.copy(copy_sql) as copy:
                while data := dumped.read(1 << 20):
                    copy.write(data)
    gin_indexes_flush()
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "rows": ProspectContact.objects.count(), "peak_mb": peak_mb()}


def transaction_atomic():
    from django.db import transaction

    return transaction.atomic()


METHODS = {
    "ours": (
        "ours: parse + validate + COPY, as a job",
        lambda path, job_id: run_ours(path, dry_run=False, job_id=job_id),
    ),
    "preview": ("ours, preview (dry run, no writes)", lambda path: run_ours(path, dry_run=True)),
    "import_export": ("django-import-export 4.4.3, plain ModelResource", run_import_export),
    "floor": ("floor: calamine parse + COPY", run_floor),
    "same_rows": ("same rows as ours, calamine parse + COPY only", run_same_rows),
}


def cpu_seconds() -> tuple[float, float | None]:
    """CPU time of this process and of its PostgreSQL backend (read from /proc: same machine only)."""
    from django.db import connection

    usage = resource.getrusage(resource.RUSAGE_SELF)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        backend = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    except (OSError, IndexError, ValueError):
        backend = None
    return usage.ru_utime + usage.ru_stime, backend


def child(method: str, path: Path, url: str) -> None:
    django_setup(url)
    reset()
    args = (path, previewed_job(path)) if method == "ours" else (path,)
    python_before, db_before = cpu_seconds()
    outcome = METHODS[method][1](*args)
    python_after, db_after = cpu_seconds()
    outcome["python_cpu"] = python_after - python_before
    outcome["db_cpu"] = db_after - db_before if db_before is not None and db_after is not None else None
    if method == "ours":
        dump_written()
    reset()
    print("RESULT " + json.dumps(outcome))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1, help="runs per method (median reported)")
    parser.add_argument("--skip", action="append", default=[], choices=list(METHODS))
    parser.add_argument("--child", choices=list(METHODS), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_IMPORT_DATABASE_URL", DEFAULT_URL)
    if args.child:
        child(args.child, args.file, url)
        return 0

    ensure_database(url)
    django_setup(url)
    from django.core.management import call_command

    from prospects.demo import seed_reference_data

    call_command("migrate", verbosity=0)
    seed_reference_data()
    existing_companies()
    path = Path(os.environ.get("BENCH_IMPORT_FILE", f"/tmp/bench-import-{args.rows}.xlsx"))
    if not path.exists():
        print(f"Writing the {args.rows:,}-row template file {path} …", flush=True)
        started = time.perf_counter()
        write_file(path, args.rows)
        print(f"  written in {time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:.1f} MB)")

    results = {}
    shutil.rmtree(DUMP_DIR, ignore_errors=True)
    for method, (label, _run) in METHODS.items():
        if method in args.skip or (method == "same_rows" and "ours" in args.skip):
            continue
        if method == "import_export":
            try:
                import import_export  # noqa: F401
            except ImportError:
                print("django-import-export is not installed: `make bench-import` installs it; skipped")
                continue
        runs = []
        for _ in range(args.runs):
            print(f"Running {label} … (load average {os.getloadavg()[0]:.2f})", flush=True)
            done = subprocess.run(
                [sys.executable, __file__, "--child", method, "--file", str(path)],
                capture_output=True, text=True, env=dict(os.environ, BENCH_IMPORT_DATABASE_URL=url),
            )  # fmt: skip
            line = next((line for line in done.stdout.splitlines() if line.startswith("RESULT ")), None)
            if done.returncode or line is None:
                print(done.stdout[-2000:], done.stderr[-4000:])
                return 1
            runs.append(json.loads(line.removeprefix("RESULT ")))
        seconds = statistics.median(run["seconds"] for run in runs)
        results[method] = {
            "label": label,
            "rows": runs[0]["rows"],
            "seconds": seconds,
            "rows_per_s": runs[0]["rows"] / seconds,
            "peak_mb": max(run["peak_mb"] for run in runs),
            "python_cpu": statistics.median(run["python_cpu"] for run in runs),
            "db_cpu": statistics.median(run["db_cpu"] for run in runs) if runs[0]["db_cpu"] is not None else None,
        }

    print()
    print(f"{args.rows:,}-row .xlsx into PostgreSQL ({url.rsplit('/', 1)[-1]}), median of {args.runs} run(s)")
    print(
        f"| {'method':<50} | {'rows':>7} | {'time':>8} | {'rows/s':>8} | {'peak RSS':>9} "
        f"| {'py cpu':>8} | {'db cpu':>8} |"
    )
    print(f"|{'-' * 52}|{'-' * 9}|{'-' * 10}|{'-' * 10}|{'-' * 11}|{'-' * 10}|{'-' * 10}|")
    for result in results.values():
        db_cpu = f"{result['db_cpu']:>6.1f} s" if result["db_cpu"] is not None else f"{'?':>8}"
        print(
            f"| {result['label']:<50} | {result['rows']:>7,} | {result['seconds']:>6.1f} s | "
            f"{result['rows_per_s']:>8,.0f} | {result['peak_mb']:>6.0f} MB | "
            f"{result['python_cpu']:>6.1f} s | {db_cpu} |"
        )
    print("py cpu: CPU time of the importing process (all its threads); db cpu: of its PostgreSQL backend.")
    ours = results.get("ours")
    verdict = 0
    if ours:
        if "import_export" in results:
            print(f"ours / django-import-export: {ours['rows_per_s'] / results['import_export']['rows_per_s']:.1f}×")
        if "floor" in results:
            print(f"ours / floor: {ours['rows_per_s'] / results['floor']['rows_per_s']:.0%}")
        if "same_rows" in results:
            print(f"ours / same rows, COPY only: {ours['rows_per_s'] / results['same_rows']['rows_per_s']:.0%}")
        ok_speed = ours["rows_per_s"] >= TARGET_ROWS_PER_SECOND
        ok_memory = ours["peak_mb"] <= TARGET_PEAK_MB
        print(
            f"target ≥ {TARGET_ROWS_PER_SECOND:,} rows/s: {'met' if ok_speed else 'MISSED'}; "
            f"peak ≤ {TARGET_PEAK_MB} MB: {'met' if ok_memory else 'MISSED'}"
        )
        print(f"load average at the end: {os.getloadavg()[0]:.2f} (2 cores shared: figures drift with it)")
        verdict = 0 if ok_speed and ok_memory else 2
    return verdict


if __name__ == "__main__":
    sys.exit(main())
