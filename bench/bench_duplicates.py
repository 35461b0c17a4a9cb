"""Time the duplicate finder at a million contacts (issue 17).

    make bench-duplicates      # or: .venv/bin/python bench/bench_duplicates.py [--runs 3] [--sample 4000]

Uses the PostgreSQL database `crm_bench` (BENCH_DATABASE_URL to change it), migrates it (the
migration builds the key indexes), seeds it with `seed_demo` only if it has fewer contacts
than --contacts, then times `duplicate_pairs` for a superuser and for "hugo" (Commercial,
Lyon: the entity that shares the generated contacts, so the visibility checks are paid).

The baseline, in the same run, is the naive query the finder avoids: every contact compared
with every other (a self-join whose condition ORs the three keys, which no index can serve).
It is timed on a sample of --sample contacts and extrapolated quadratically to the table.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import ensure_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/crm_bench"

NAIVE_SQL = """
WITH sample AS (
    SELECT id, email, phone, mobile, company_id, search_text FROM prospects_prospectcontact ORDER BY id LIMIT %s
)
SELECT count(*) FROM sample a JOIN sample b ON a.id < b.id AND (
    (a.email <> '' AND a.email = b.email)
    OR (a.phone <> '' AND (a.phone = b.phone OR a.phone = b.mobile))
    OR (a.mobile <> '' AND (a.mobile = b.mobile OR a.mobile = b.phone))
    OR (a.company_id = b.company_id
        AND split_part(a.search_text, '|', 1) = split_part(b.search_text, '|', 1)
        AND split_part(a.search_text, '|', 2) = split_part(b.search_text, '|', 2))
)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sample", type=int, default=4000)
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DJANGO_DEBUG"] = "false"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate (key indexes built if missing): {time.perf_counter() - started:.1f} s")
    call_command("seed_demo", min_contacts=args.contacts, quiet_users=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE prospects_prospectcontact")  # settles the table a migration rewrote

    from accounts.models import User
    from prospects.duplicates.finder import duplicate_pairs
    from prospects.models import ProspectContact
    from prospects.selectors import prospects_visible_to

    total = ProspectContact.objects.count()
    print(f"\n{total:,} contacts in {connection.settings_dict['NAME']}\n")
    users = [User.objects.filter(is_superuser=True).first(), User.objects.get(username="hugo")]
    finder_medians = []
    for user in users:
        timings, pairs = [], []
        for _run in range(args.runs):
            started = time.perf_counter()
            pairs = duplicate_pairs(prospects_visible_to(user))
            timings.append(time.perf_counter() - started)
        reasons = {}
        for pair in pairs:
            for reason in pair.reasons:
                reasons[reason] = reasons.get(reason, 0) + 1
        median = statistics.median(timings)
        finder_medians.append(median)
        print(
            f"finder, {user.username:10} median {median:6.2f} s  (min {min(timings):.2f}, max {max(timings):.2f}) "
            f"{len(pairs):,} pairs {reasons}"
        )

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(NAIVE_SQL, [args.sample])
        naive_pairs = cursor.fetchone()[0]
        naive = time.perf_counter() - started
    extrapolated = naive * (total / args.sample) ** 2
    print(
        f"\nbaseline: pairwise self-join on {args.sample:,} contacts: {naive:.2f} s ({naive_pairs} pairs); "
        f"extrapolated to {total:,}: {extrapolated / 3600:,.0f} h "
        f"({extrapolated / max(finder_medians):,.0f}x the finder's slowest median)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
