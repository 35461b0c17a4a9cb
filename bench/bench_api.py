"""Time the API's contact list at a million contacts, next to the web list, in the same run (issue 18).

    make bench-api            # or: .venv/bin/python bench/bench_api.py [--contacts N] [--runs 25]

Uses the PostgreSQL database of bench/bench_list.py (`crm_bench`, BENCH_DATABASE_URL to change
it), seeded once with `seed_demo --min-contacts N`. Each scenario is requested in-process with
django.test.Client as "hugo" (Commercial, Lyon: every request pays the entity/object-right
checks): the API with an API token (Authorization: Bearer), the web list logged in, both at 200
rows per page. A deep page is the 25th: the API follows its cursors there, the web list asks
for ?page=25. Server-side time, median and p95 over --runs requests after one cold request.
"""

import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_list import percentile, seeded_setup  # noqa: E402

PER_PAGE = 200
DEEP_PAGE = 25


def main() -> int:
    # The benchmark is not a client to throttle.
    args = seeded_setup(__doc__.splitlines()[0], env_defaults={"API_RATE_LIMIT": "100000/minute"})
    from django.db import connection
    from django.http import QueryDict
    from django.test import Client

    from accounts.models import User
    from accounts.tokens import token_create, token_revoke
    from prospects.list.query import list_url
    from prospects.models import ProspectContact

    user = User.objects.get(username="hugo")
    total = ProspectContact.objects.count()
    created = token_create(user=user, name="bench-api")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {created.key}")
    web = Client()
    web.force_login(user)

    def deep_cursor(params: dict) -> dict:
        """The API parameters of the DEEP_PAGE-th page, reached by following `next`."""
        path = "/api/contacts/?" + urlencode({**params, "per_page": PER_PAGE})
        for _page in range(DEEP_PAGE - 1):
            path = api.get(path).json()["next"]
        return path

    scenarios = [
        ("first page (sort by company)", {}),
        ("sort by name", {"sort": "last_name"}),
        ("sort by company (desc)", {"sort": "-company"}),
        ("common search 'martin'", {"q": "martin"}),
        ("rep + status", {"assigned_to": user.pk, "status": "nouveau"}),
        (f"page {DEEP_PAGE} (sort by company)", {"deep": True}),
        (f"page {DEEP_PAGE} (sort by name)", {"deep": True, "sort": "last_name"}),
    ]

    def measure(client, path: str) -> tuple[float, float, int]:
        queries: list[str] = []
        with connection.execute_wrapper(lambda execute, sql, *rest: (queries.append(sql), execute(sql, *rest))[1]):
            started = time.perf_counter()
            response = client.get(path)
            cold = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (path, response.status_code)
        timings = []
        for _run in range(args.runs):
            started = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        return cold, statistics.median(timings), percentile(timings, 0.95), len(queries)

    print(f"\n{total:,} contacts in {connection.settings_dict['NAME']}; user {user.username}; "
          f"{PER_PAGE} rows per page; {args.runs} runs each\n")  # fmt: skip
    header = (
        f"{'scenario':32} | {'API q':>5} {'cold':>6} {'median':>7} {'p95':>7} | "
        f"{'web q':>5} {'cold':>6} {'median':>7} {'p95':>7}   (ms)"
    )
    print(header)
    print("-" * len(header))
    for title, params in scenarios:
        params = dict(params)
        deep = params.pop("deep", False)
        api_path = deep_cursor(params) if deep else "/api/contacts/?" + urlencode({**params, "per_page": PER_PAGE})
        web_params = {**params, "per_page": PER_PAGE, **({"page": DEEP_PAGE} if deep else {})}
        web_path = list_url(QueryDict(urlencode(web_params)))  # the canonical URL: the list redirects others
        api_cold, api_median, api_p95, api_queries = measure(api, api_path)
        web_cold, web_median, web_p95, web_queries = measure(web, web_path)
        print(
            f"{title:32} | {api_queries:>5} {api_cold:>6.0f} {api_median:>7.1f} {api_p95:>7.1f} | "
            f"{web_queries:>5} {web_cold:>6.0f} {web_median:>7.1f} {web_p95:>7.1f}"
        )
    token_revoke(token=created.token)
    print(f"\nLoad average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.")
    print("API q / web q: queries of one request (the API's include the token lookup).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
