"""Helpers shared by the benchmarks."""


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named by `url` if it is missing (benchmarks reuse it)."""
    import psycopg
    from dj_database_url import parse

    config = parse(url)
    admin = psycopg.connect(
        host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"], password=config["PASSWORD"] or None,
        dbname="postgres", autocommit=True,
    )  # fmt: skip
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            print(f"Creating database {config['NAME']}")
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')
