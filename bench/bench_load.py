"""Load bench (issue 16): simulated sales users on the production stack, without and with long jobs.

    make bench-load                        # or: .venv/bin/python bench/bench_load.py --locust PATH [options]
    make bench-load BENCH_ARGS="--users 50 --duration 120"

Starts the production stack itself, on loopback only: gunicorn (config/gunicorn.py: workers
and threads fitted to the cores) and two Celery workers (one on the jobs queue, one on the
default and jobs queues), against PostgreSQL `crm_bench` (1M contacts, seeded and migrated as
`make bench-list` does) and the local Redis (broker, cache, sessions), after checking both
answer. Then two phases of --duration seconds each, --users locust users each (headless):
1. baseline: the users alone;
2. jobs: the same load while a 100,000-row Excel import and a 10,000-card vCard ZIP export run
   on the workers, created through the app's own job functions (job_create).
The users start logged in (sessions opened by the driver: no burst of password hashes in the
measured window), after --warmup seconds of the same load that are not measured (a server that
has been up a while: templates compiled, connections open, the list's counts cached). Prints
req/s, p50/p95/p99 per page and errors for both phases, and the list's p99 over the very window in
which the import ran (from every request's start time, logged by the locustfile), checks the
targets (no errors; list p99 ≤ 300 ms alone, ≤ 1 s over the jobs phase and over the import's
window), then stops what it started and undoes
the import (and deletes the bench's notes), so `crm_bench` stays at its size.
"""

import argparse
import csv
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import ensure_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/crm_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/7"
QUEUE = "crm-bench-load"
IMPORT_FILE = ROOT / "bench" / "data" / "load_import_100k.xlsx"
NOTE_TEXT = "Rappeler la semaine prochaine (bench)"
ACCOUNTS = ("hugo", "chloe")  # Commercial, Lyon: the entity that shares the generated contacts
TARGET_LIST_P99_MS = {"baseline": 300, "jobs": 1000}
# The pages the list targets apply to: every sort included (each walks an index since migration 0012).
LIST_PAGES = ("list", "list filter", "list search", "list sort", "sort, other", "list page")


def check_services(database_url: str, redis_url: str) -> None:
    import psycopg
    import redis
    from dj_database_url import parse

    config = parse(database_url)
    for host in (config["HOST"], redis_url.split("//")[1].split(":")[0]):
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"the load bench runs on loopback only, not on {host}")
    with psycopg.connect(
        host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"], password=config["PASSWORD"] or None,
        dbname=config["NAME"], connect_timeout=5,
    ) as conn:  # fmt: skip
        conn.execute("SELECT 1")
    redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    print(f"PostgreSQL {config['NAME']} and Redis {redis_url} answer.")


def stack_env(args, static_root: str) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings_load",
        DATABASE_URL=args.database_url,
        CELERY_BROKER_URL=args.redis_url,
        CELERY_QUEUE=QUEUE,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        BENCH_STATIC_ROOT=static_root,
        GUNICORN_BIND=f"127.0.0.1:{args.port}",
        MEDIA_ROOT=str(Path(static_root).parent / "media"),
        PYTHONPATH=str(ROOT),
    )
    return env


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = open(log, "w")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    process.log = log
    return process


def stop(process: subprocess.Popen) -> None:
    """Stop one process this bench started, and its children (its own session), by its id."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_until(check, what: str, timeout: float, processes: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        for process in processes:
            if process.poll() is not None:
                raise SystemExit(f"{what}: a process exited; see {process.log}")
        if time.monotonic() > deadline:
            raise SystemExit(f"{what}: not ready after {timeout:.0f} s")
        time.sleep(0.5)


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


OPENED_SESSIONS: list[str] = []


def open_sessions(count: int) -> list[str]:
    """One logged-in session per simulated user, as the login page opens it (password checked once)."""
    from django.conf import settings
    from django.contrib.auth import login
    from django.contrib.sessions.backends.base import SessionBase
    from django.http import HttpRequest
    from django.utils.module_loading import import_string

    from accounts.models import User
    from prospects.demo import DEMO_PASSWORD

    users = [User.objects.get(username=name) for name in ACCOUNTS]
    if not all(user.check_password(DEMO_PASSWORD) and user.is_active for user in users):
        raise SystemExit(f"the demo accounts {ACCOUNTS} do not log in with the demo password")
    store: type[SessionBase] = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    keys = []
    for index in range(count):
        request = HttpRequest()
        request.session = store()
        request.META["REMOTE_ADDR"] = "127.0.0.1"
        login(request, users[index % len(users)], backend="accounts.backends.OneQueryModelBackend")
        request.session.save()
        keys.append(request.session.session_key)
    OPENED_SESSIONS.extend(keys)
    return keys


def prepare_data(args, workdir: Path) -> Path:
    """The locust users' data: accounts, contact ids they see, reps, search terms."""
    from accounts.models import User
    from prospects.models import ContactStatus, ProspectContact
    from prospects.selectors import prospects_visible_to

    hugo = User.objects.get(username=ACCOUNTS[0])
    bounds = ProspectContact.objects.order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first(), bounds.last()
    rng = random.Random(16)
    sample = [rng.randint(low, high) for _ in range(5000)]
    contacts = list(prospects_visible_to(hugo).filter(pk__in=sample).values_list("pk", flat=True)[:2000])
    reps = list(User.objects.filter(username__in=["hugo", "chloe", "marine", "mari"]).values_list("pk", flat=True))
    data = {
        "sessions": open_sessions(args.users),
        "contacts": contacts,
        "reps": reps,
        "statuses": [ContactStatus.NEW, ContactStatus.values[1]],
        "terms": ["martin", "bernard", "helene", "dubois", "thomas", "rob", "lef", "petit", "durand", "moreau"],
        "think_min": args.think_min,
        "think_max": args.think_max,
    }
    path = workdir / "load_data.json"
    path.write_text(json.dumps(data))
    print(f"{len(contacts)} contacts visible to {hugo.username} sampled for the cards.")
    return path


def run_locust(args, data: Path, env: dict, prefix: Path, log: Path) -> subprocess.Popen:
    command = [
        args.locust, "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
        "--host", f"http://127.0.0.1:{args.port}", "-u", str(args.users), "-r", str(args.spawn_rate),
        "--run-time", f"{args.duration}s", "--stop-timeout", "10", "--csv", str(prefix), "--only-summary",
    ]  # fmt: skip
    return start(command, {**env, "BENCH_LOAD_DATA": str(data), "BENCH_LOAD_REQUESTS": f"{prefix}_requests.tsv"}, log)


def list_p99_between(requests: Path, started: float, finished: float) -> tuple[int, float, float, int]:
    """The list pages' requests that started in [started, finished]: how many, p50 and p99 (ms), errors."""
    times, errors = [], 0
    with open(requests, encoding="utf-8") as handle:
        for line in handle:
            at, name, milliseconds, failed = line.rstrip("\n").split("\t")
            if name in LIST_PAGES and started <= float(at) <= finished:
                times.append(float(milliseconds))
                errors += int(failed)
    if not times:
        return 0, 0.0, 0.0, errors
    times.sort()

    def rank(fraction: float) -> float:
        return times[min(len(times) - 1, max(0, -(-int(fraction * 100) * len(times) // 100) - 1))]

    return len(times), rank(0.50), rank(0.99), errors


def import_window(job_id: int) -> tuple[float, float] | None:
    from prospects.models import Job

    job = Job.objects.get(pk=job_id)
    if not (job.started_at and job.finished_at):
        return None
    return job.started_at.timestamp(), job.finished_at.timestamp()


def read_stats(prefix: Path) -> dict[str, dict]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    stats = {}
    for row in rows:
        stats[row["Name"]] = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "rps": float(row["Requests/s"]),
            "p50": float(row["50%"] or 0),
            "p95": float(row["95%"] or 0),
            "p99": float(row["99%"] or 0),
        }
    return stats


def create_jobs(rows: int, cards: int) -> tuple[int, int]:
    """The 100k-row import and the 10k-card ZIP export, queued as the app's pages queue them."""
    from django.core.files import File
    from django.db import transaction

    from accounts.models import User
    from bench.bench_import import write_file
    from prospects.jobs.options import ImportOptions, VCardExportOptions
    from prospects.jobs.runner import job_create
    from prospects.models import JobKind
    from prospects.selectors import prospects_visible_to

    if not IMPORT_FILE.exists() or IMPORT_FILE.stat().st_size < 1000:
        IMPORT_FILE.parent.mkdir(parents=True, exist_ok=True)
        print(f"Writing the {rows:,}-row import file {IMPORT_FILE} (once)...")
        write_file(IMPORT_FILE, rows)
    importer = User.objects.get(username="lise")  # Assistant commercial, Paris: holds the import right
    exporter = User.objects.get(username=ACCOUNTS[0])
    ids = list(prospects_visible_to(exporter).order_by("pk").values_list("pk", flat=True)[:cards])
    with transaction.atomic():  # queued on commit, as job_create does in a request
        with open(IMPORT_FILE, "rb") as handle:
            options = ImportOptions(confirmed=True, valid_only=True).to_options()
            imported = job_create(
                kind=JobKind.IMPORT_XLSX,
                by=importer,
                options=options,
                source=File(handle),
                source_name=IMPORT_FILE.name,
            )
        exported = job_create(
            kind=JobKind.EXPORT_VCF, by=exporter, options=VCardExportOptions(ids=ids, as_zip=True).to_options()
        )
    return imported.pk, exported.pk


def job_report(job_id: int) -> str:
    from prospects.models import Job

    job = Job.objects.get(pk=job_id)
    took = ""
    if job.started_at and job.finished_at:
        took = f", {(job.finished_at - job.started_at).total_seconds():.0f} s"
    return (
        f"{job.get_kind_display()} #{job.pk}: {job.status}{took} {job.counts or ''} {job.error_message or ''}".strip()
    )


def clean_up(import_id: int | None, export_id: int | None) -> None:
    from django.contrib.sessions.models import Session

    from prospects.imports.undo import import_undo
    from prospects.models import Job, JobStatus, ProspectNote

    Session.objects.filter(session_key__in=OPENED_SESSIONS).delete()
    deleted, _kinds = ProspectNote.objects.filter(text=NOTE_TEXT).delete()
    print(f"Clean-up: {deleted} bench notes deleted.", end=" ")
    for job_id in (import_id, export_id):
        if job_id is None:
            continue
        job = Job.objects.get(pk=job_id)
        if job.pk == import_id and job.status == JobStatus.DONE:
            result = import_undo(job=job, by=job.created_by)
            print(f"Import #{job.pk} undone ({result}).", end=" ")
        if job.result_file:
            job.result_file.delete(save=False)
    print()


def print_table(phases: dict[str, dict]) -> int:
    names = sorted({name for stats in phases.values() for name in stats} - {"Aggregated"}) + ["Aggregated"]
    header = f"{'page':15} " + " ".join(f"{phase:>41}" for phase in phases)
    sub = f"{'':15} " + " ".join(
        f"{'req':>6} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>6}" for _ in phases
    )
    print("\n" + header + "\n" + sub + "\n" + "-" * len(sub))
    for name in names:
        cells = []
        for stats in phases.values():
            row = stats.get(name)
            cells.append(
                f"{row['requests']:>6} {row['rps']:>6.1f} {row['p50']:>6.0f} {row['p95']:>6.0f} {row['p99']:>6.0f} "
                f"{row['failures']:>6}"
                if row
                else f"{'':>41}"
            )
        print(f"{name:15} " + " ".join(cells))
    print("(times in ms, locust's percentiles; req/s over the phase)")
    failures = 0
    for phase, stats in phases.items():
        errors = stats["Aggregated"]["failures"]
        list_p99 = max(row["p99"] for name, row in stats.items() if name in LIST_PAGES)
        target = TARGET_LIST_P99_MS[phase]
        verdict = "OK" if errors == 0 and list_p99 <= target else "over target"
        failures += verdict != "OK"
        print(f"{phase}: errors {errors}, worst list p99 {list_p99:.0f} ms (target ≤ {target} ms): {verdict}")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locust", default=str(ROOT / ".venv-bench" / "bin" / "locust"))
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=120, help="seconds per phase")
    parser.add_argument("--think-min", type=float, default=1.0)
    parser.add_argument("--think-max", type=float, default=3.0)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--export-cards", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--warmup", type=int, default=30, help="seconds of the same load before the phases, not measured"
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS))
    args = parser.parse_args()
    if not Path(args.locust).exists():
        raise SystemExit(f"locust not found at {args.locust}: run `make bench-load` (installs bench/requirements.txt)")

    ensure_database(args.database_url)
    check_services(args.database_url, args.redis_url)
    workdir = Path(tempfile.mkdtemp(prefix="crm-bench-load-"))
    env = stack_env(args, str(workdir / "static"))
    os.environ.update({key: env[key] for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL",
                                                 "CELERY_QUEUE", "SECRET_KEY", "ALLOWED_HOSTS", "MEDIA_ROOT",
                                                 "BENCH_STATIC_ROOT")})  # fmt: skip
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", min_contacts=args.contacts, quiet_users=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    data = prepare_data(args, workdir)

    python = str(ROOT / ".venv" / "bin" / "python")
    processes = [
        start([python, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"], env, workdir / "gunicorn.log"),
        start([python, "-m", "celery", "-A", "config", "worker", "-Q", f"{QUEUE}-jobs", "-c", "1", "-n", "jobs@%h",
               "--without-gossip", "--without-mingle", "--loglevel=INFO"], env, workdir / "worker-jobs.log"),
        start([python, "-m", "celery", "-A", "config", "worker", "-Q", f"{QUEUE},{QUEUE}-jobs", "-c", "1",
               "-n", "default@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
              env, workdir / "worker-default.log"),
    ]  # fmt: skip
    import_id = export_id = None
    failures = 0
    phases: dict[str, dict] = {}
    try:
        wait_until(lambda: http_ok(f"http://127.0.0.1:{args.port}/accounts/login/"), "gunicorn", 120, processes)
        for process in processes[1:]:
            wait_until(lambda p=process: "ready." in Path(p.log).read_text(), "celery worker", 180, processes)
        from config.gunicorn import threads, workers

        print(
            f"Stack up: gunicorn {workers} workers × {threads} threads on 127.0.0.1:{args.port}, "
            f"2 Celery workers (queues {QUEUE}-jobs; {QUEUE},{QUEUE}-jobs). Logs in {workdir}"
        )
        if args.warmup:
            # A server that has been up for a while: templates compiled, connections open, the
            # list's counts cached. Not measured.
            print(f"Warm-up: {args.users} users for {args.warmup} s (not measured)...")
            warmup = argparse.Namespace(**{**vars(args), "duration": args.warmup})
            run_locust(warmup, data, env, workdir / "warmup", workdir / "locust-warmup.log").wait(
                timeout=args.warmup + 120
            )
        print(f"Each user waits {args.think_min:g}–{args.think_max:g} s between two actions (think time).")
        for phase in ("baseline", "jobs"):
            if phase == "baseline" and args.skip_baseline:
                continue
            if phase == "jobs":
                import_id, export_id = create_jobs(args.import_rows, args.export_cards)
                print(f"Queued import #{import_id} ({args.import_rows:,} rows) and ZIP export #{export_id}.")
            load = os.getloadavg()[0]
            print(f"Phase {phase}: {args.users} users for {args.duration} s (load average before: {load:.1f})...")
            locust = run_locust(args, data, env, workdir / phase, workdir / f"locust-{phase}.log")
            locust.wait(timeout=args.duration + 120)
            phases[phase] = read_stats(workdir / phase)
            if phase == "jobs":
                print("  at the end of the phase: " + "; ".join(job_report(pk) for pk in (import_id, export_id)))
        failures = print_table(phases)
        if import_id:
            from prospects.models import Job, JobStatus

            deadline = time.monotonic() + 900
            while Job.objects.filter(
                pk__in=[import_id, export_id], status__in=[JobStatus.PENDING, JobStatus.RUNNING]
            ).exists():
                if time.monotonic() > deadline:
                    break
                time.sleep(2)
            print("Jobs: " + "; ".join(job_report(pk) for pk in (import_id, export_id)))
            window = import_window(import_id)
            if window is not None and "jobs" in phases:
                # The phase lasts --duration; the target is about the time the import runs: judged there too.
                count, p50, p99, errors = list_p99_between(workdir / "jobs_requests.tsv", *window)
                target = TARGET_LIST_P99_MS["jobs"]
                verdict = "OK" if count and errors == 0 and p99 <= target else "over target"
                failures += verdict != "OK"
                print(
                    f"while the import ran ({window[1] - window[0]:.0f} s): {count} list requests, p50 {p50:.0f} ms, "
                    f"p99 {p99:.0f} ms, errors {errors} (target ≤ {target} ms): {verdict}"
                )
        print(f"Load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.")
    finally:
        for process in processes:
            stop(process)
        clean_up(import_id, export_id)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
