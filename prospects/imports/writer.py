"""The writer of an import: creates the new companies, then the contacts and their entity
links (COPY on PostgreSQL, INSERTs elsewhere), and updates the matched contacts.

Same side effects as `prospect_create`: entities, search columns, `import_job`. It writes no
object right: the rep's right on a contact is the rule `assigned_to = user` of
`prospects.rights`, so an import (create or update) moves it with the `assigned_to` column.
"""

from django.db import connection, transaction
from django.utils import timezone

from crm.models import Company
from prospects.contacts import company_search_name_of
from prospects.imports.checks import ImportContext
from prospects.imports.pipeline import CopyPipeline, GinMerger, gin_indexes_flush, insert_rows
from prospects.imports.plans import CREATE, SKIP, UPDATE, RowPlan
from prospects.imports.turns import OPEN, Turns
from prospects.models import ContactStatus, Job, Origin, ProspectContact
from prospects.services import prospect_search_fields_refresh

CONTACT_FIELDS = (
    "gender",
    "last_name",
    "first_name",
    "department",
    "job_title",
    "email",
    "phone",
    "mobile",
    "fax",
    "address",
    "postcode",
    "city",
    "region",
    "country",
    "assigned_to_id",
    "status",
    "sector_id",
    "origin",
    "origin_comment",
    "description",
    "company_id",
)
DEFAULTS = {"country": "France", "status": ContactStatus.NEW, "origin": Origin.IMPORT}
# New rows between two merges of the trigram index's pending list by the GinMerger.
MERGE_ROWS = 20_000


class ImportWriter:
    """Bulk writes of one import, in chunks; same side effects as prospect_create."""

    def __init__(self, *, context: ImportContext, job: Job | None, turns: Turns = OPEN):
        self.context = context
        self.job = job
        self.by = context.user
        self.now = timezone.now()
        self.company_ids: dict[str, int] = {}
        self.counts = {"created": 0, "updated": 0, "skipped": 0, "companies_created": 0}
        self._extra_columns = self._other_columns()
        self._session_tuned = False
        self._sequence = ""
        self._pipeline = CopyPipeline(turns)
        self._merger: GinMerger | None = None
        self._unmerged_rows = 0

    @staticmethod
    def _other_columns() -> dict[str, object]:
        """Concrete columns this writer does not fill (added later to the model): their defaults."""
        known = set(CONTACT_FIELDS) | {
            "id",
            "import_job_id",
            "created_by_id",
            "updated_by_id",
            "created_at",
            "updated_at",
            "search_text",
            "company_sort",
        }
        extra = {}
        for model_field in ProspectContact._meta.concrete_fields:
            if model_field.attname not in known and not model_field.generated:  # the database computes those
                extra[model_field.column] = model_field.get_db_prep_save(model_field.get_default(), connection)
        return extra

    def write(self, plans: list[RowPlan]) -> None:
        creates = [plan for plan in plans if plan.action == CREATE]
        updates = [plan for plan in plans if plan.action == UPDATE]
        self.counts["skipped"] += sum(1 for plan in plans if plan.action == SKIP)
        needed = {plan.company_key for plan in creates + updates if plan.company_key}
        self._create_companies(needed - set(self.company_ids))
        if creates:
            self._create(creates)
        if updates:
            self._update(updates)

    def _create_companies(self, keys: set[str]) -> None:
        if not keys:
            return
        specs = [(key, self.context.new_companies[key]) for key in sorted(keys)]
        companies = Company.objects.bulk_create(
            [
                Company(name=spec["name"], type=spec["type"], search_name=company_search_name_of(spec["name"]))
                for _key, spec in specs
            ],
            batch_size=1000,
        )
        through = Company.entities.through
        links = []
        for (key, spec), company in zip(specs, companies, strict=True):
            self.company_ids[key] = company.pk
            links += [through(company_id=company.pk, entity_id=entity_id) for entity_id in spec["entity_ids"]]
        through.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
        self.counts["companies_created"] += len(companies)

    def _values(self, plan: RowPlan) -> dict:
        values = dict(DEFAULTS)
        values.update(plan.fields)
        if plan.company_key:
            values["company_id"] = self.company_ids[plan.company_key]
        return values

    def _create(self, plans: list[RowPlan]) -> None:
        if connection.vendor != "postgresql":
            ids = self._create_orm([(plan, self._create_values(plan)) for plan in plans])
            insert_rows(*self._link_rows(plans, ids))
        else:
            ids = self._ids(len(plans))
            # The COPY text of this chunk is built in a helper thread; the chunk before it is
            # sent meanwhile, so the server checks one chunk while the next one is formatted.
            self._pipeline.submit(self._copy_payloads, plans, ids)
            self._unmerged_rows += len(plans)
            if self._unmerged_rows >= MERGE_ROWS:
                self._merger = self._merger or GinMerger()
                self._merger.request()  # what the chunks sent so far left pending
                self._unmerged_rows = 0
        self.context.created_ids.update(ids)
        self.counts["created"] += len(plans)

    def finish(self) -> None:
        """Send what the pipeline still holds (call before the transaction commits)."""
        self._pipeline.drain()

    def close(self) -> None:
        self._pipeline.close()
        if self._merger is not None:
            self._merger.close()

    @staticmethod
    def _link_rows(plans: list[RowPlan], ids: list[int]) -> tuple[str, list[str], list]:
        """The contact ↔ entity rows of new contacts: (table, columns, rows)."""
        links = [(pk, entity_id) for plan, pk in zip(plans, ids, strict=True) for entity_id in plan.entity_ids]
        return ProspectContact.entities.through._meta.db_table, ["prospectcontact_id", "entity_id"], links

    def _create_values(self, plan: RowPlan) -> dict:
        values = self._values(plan)
        values["search_text"], values["company_sort"] = plan.search  # set by _prepare_chunk
        return values

    def _ids(self, count: int) -> list[int]:
        """Ids of `count` new contacts, taken from the table's sequence (first call: session settings)."""
        table = ProspectContact._meta.db_table
        with connection.cursor() as cursor:
            if not self._session_tuned:
                # The trigram index of the list search costs most of the COPY when its 4 MB
                # pending list is merged again and again: the GinMerger merges it every
                # MERGE_ROWS rows from another connection, the rest is merged once after
                # commit (gin_indexes_flush). This limit is the fallback when the merger cannot
                # run: this backend then merges every 64 MB, in 64 MB of memory.
                cursor.execute("SET LOCAL gin_pending_list_limit = '64MB'")
                cursor.execute("SET LOCAL work_mem = '64MB'")
                # Foreign keys checked at the end of each COPY rather than all at commit: the
                # server checks one chunk while the next one is prepared.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                self._session_tuned = True
                transaction.on_commit(gin_indexes_flush)
                # The sequence's name once: pg_get_serial_sequence per row cost 10 times the nextval.
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                self._sequence = cursor.fetchone()[0]
            # One text value, not `count` rows: the calling thread holds the connection idle meanwhile.
            cursor.execute(
                "SELECT string_agg(nextval(%s::regclass)::text, ',') FROM generate_series(1, %s)",
                [self._sequence, count],
            )
            return [int(pk) for pk in cursor.fetchone()[0].split(",")]

    def _copy_payloads(self, plans: list[RowPlan], ids: list[int]) -> list[tuple[str, list[str], bytes]]:
        """COPY text of one chunk's contacts and entity links (pipeline thread, no query)."""
        extra_columns = list(self._extra_columns)
        extra_values = tuple(self._extra_columns.values())
        columns = ["id", *CONTACT_FIELDS, "import_job_id", "created_by_id", "updated_by_id", "created_at"]
        columns += ["updated_at", "search_text", "company_sort", *extra_columns]
        job_id = self.job.pk if self.job else None
        by_id, now = self.by.pk, self.now
        fields = [(name, None if name.endswith("_id") else "") for name in CONTACT_FIELDS]

        def contacts():
            for plan, pk in zip(plans, ids, strict=True):
                values = self._values(plan)
                yield (
                    (pk, *[values.get(name, empty) for name, empty in fields])
                    + (job_id, by_id, by_id, now, now, *plan.search)
                    + extra_values
                )

        payloads = [(ProspectContact._meta.db_table, columns, self._pipeline.copy_text(contacts()))]
        table, table_columns, rows = self._link_rows(plans, ids)
        payloads.append((table, table_columns, self._pipeline.copy_text(rows)))
        return payloads

    def _create_orm(self, rows: list[tuple[RowPlan, dict]]) -> list[int]:
        contacts = [
            ProspectContact(import_job=self.job, created_by=self.by, updated_by=self.by, created_at=self.now, **values)
            for _plan, values in rows
        ]
        ProspectContact.objects.bulk_create(contacts, batch_size=500)
        return [contact.pk for contact in contacts]

    def _update(self, plans: list[RowPlan]) -> None:
        by_id = {plan.match_id: plan for plan in plans}
        contacts = list(
            ProspectContact.objects.select_for_update(of=("self",)).filter(pk__in=list(by_id)).select_related("company")
        )
        fields_written = set()
        links = []
        companies = {}
        for contact in contacts:
            plan = by_id[contact.pk]
            for name, value in plan.fields.items():
                setattr(contact, name, value)
                fields_written.add(name)
            if plan.company_key:
                contact.company_id = self.company_ids[plan.company_key]
                fields_written.add("company_id")
            if contact.company_id:
                companies[contact.company_id] = None
            contact.updated_by = self.by
            contact.updated_at = self.now
            if plan.entities_given:
                links += [(contact.pk, entity_id) for entity_id in plan.entity_ids]
        # the search columns need the (possibly new) company names
        names = dict(Company.objects.filter(pk__in=list(companies)).values_list("pk", "name"))
        for contact in contacts:
            if contact.company_id and (contact.company is None or contact.company.pk != contact.company_id):
                contact.company = Company(pk=contact.company_id, name=names.get(contact.company_id, ""))
            prospect_search_fields_refresh(contact)
        update_fields = sorted(
            {name.removesuffix("_id") if name.endswith("_id") else name for name in fields_written}
            | {"updated_by", "updated_at", "search_text", "company_sort"}
        )
        ProspectContact.objects.bulk_update(contacts, update_fields, batch_size=500)
        through = ProspectContact.entities.through
        through.objects.bulk_create(
            [through(prospectcontact_id=pk, entity_id=entity_id) for pk, entity_id in links],
            batch_size=2000,
            ignore_conflicts=True,
        )
        self.counts["updated"] += len(contacts)
