import unicodedata

from django.db import migrations, models

TRIGRAM_INDEX = "company_search_name_trgm_idx"


def _fold(text):
    # A frozen copy of crm.text.fold: migrations never import live application code.
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())[:200]


def fill_search_names(apps, schema_editor):
    """Fold the names of the existing companies, in chunks."""
    Company = apps.get_model("crm", "Company")
    batch = []
    for company in Company.objects.only("id", "name").iterator(chunk_size=2000):
        company.search_name = _fold(company.name)
        batch.append(company)
        if len(batch) >= 2000:
            Company.objects.bulk_update(batch, ["search_name"])
            batch = []
    if batch:
        Company.objects.bulk_update(batch, ["search_name"])


def create_trigram_index(apps, schema_editor):
    # Substring and prefix search (LIKE '%term%') on the folded name; PostgreSQL only, SQLite scans.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON crm_company USING gin (search_name gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="company",
            name="search_name",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=200, verbose_name="nom de recherche"
            ),
        ),
        migrations.RunPython(fill_search_names, migrations.RunPython.noop),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
