"""Demo data: the ten contacts of the training guide, and fast bulk generation for benchmarks."""

import random
from collections.abc import Callable

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Entity, User
from crm.choices import CompanyStatus, CompanyType, HeadcountBand, Region, RevenueBand
from crm.models import Company, DiffusionList, Opportunity, Proposal, Sector, Skill, SkillCategory
from prospects.companies.services import company_update
from prospects.contacts import company_search_name_of
from prospects.models import ContactStatus, Origin, ProspectContact
from prospects.rights import roles_setup
from prospects.search import company_sort_of, search_text_of
from prospects.services import prospect_create

DEMO_PASSWORD = "demo-crm-2026"

# login, last name, first name, entities, group, superuser
DEMO_USERS = [
    ("admin", "VSA", "Admin", ["paris", "lyon"], "Responsable commercial", True),
    ("marine", "Diron", "Marine", ["paris"], "Commercial", False),
    ("mari", "Cotillon", "Mari", ["paris"], "Commercial", False),
    ("lise", "Alpes", "Lise", ["paris"], "Assistant commercial", False),
    ("hugo", "Rivet", "Hugo", ["lyon"], "Commercial", False),
    ("chloe", "Garnier", "Chloé", ["lyon"], "Commercial", False),
]

# company, company rep, company status, last name, first name, job, e-mail, phone, region, rep, status
GUIDE_CONTACTS = [
    ("AXA ASSURANCES", "admin", "nouveau", "PROSPERE", "Louis", "", "", "", "", "admin", "nouveau"),
    ("BSI CORP", "marine", "affecte", "ARMANON", "Julie", "", "", "", "", "marine", "affecte"),
    (
        "CONSEIL&M",
        "marine",
        "nouveau",
        "TROUVA",
        "Jacques",
        "Directeur",
        "jt@trouvetout.fr",
        "",
        "",
        "admin",
        "en_cours",
    ),
    ("HERMES", "mari", "nouveau", "PLUMAN", "Martine", "", "", "", "naq", "lise", "nouveau"),
    ("IT CONNECT", "marine", "nouveau", "BLOUJ", "Lena", "", "", "", "", None, "nouveau"),
    ("IT CONNECT", "marine", "nouveau", "JEANOT", "Emilien", "", "", "", "", None, "affecte"),
    ("IT CONNECT", "marine", "nouveau", "LUJIS", "Antoine", "", "", "", "", None, "nouveau"),
    ("LABOUSSE", "marine", "a_convertir", "PAUL", "Louise", "", "", "", "", None, "nouveau"),
    (
        "PM Conseil",
        "marine",
        "nouveau",
        "DUBAND",
        "Pierre",
        "Directeur",
        "pduband@pm-conseil.com",
        "0144.55.66.77",
        "idf",
        "marine",
        "affecte",
    ),
    ("IEI", "marine", "nouveau", "BITON", "Maryline", "Directeur", "", "", "", None, "nouveau"),
]

# The guide's companies' files (issue 15): every filter of the contacts and companies lists
# (size, revenue, sector, region) returns rows for some of its values.
# name → sector, headcount, revenue, region, address, postcode, city
GUIDE_COMPANY_FILES = {
    "AXA ASSURANCES": ("Assurance", "5000+", "gt1b", "idf", "313 terrasses de l'Arche", "92727", "Nanterre"),
    "BSI CORP": ("Informatique", "50-249", "10m-50m", "idf", "12 rue de la Paix", "75002", "Paris"),
    "CONSEIL&M": ("Conseil", "10-49", "1m-10m", "ara", "8 quai Saint-Vincent", "69001", "Lyon"),
    "HERMES": ("Luxe", "1000-4999", "250m-1b", "idf", "24 rue du Faubourg Saint-Honoré", "75008", "Paris"),
    "IT CONNECT": ("Informatique", "250-999", "50m-250m", "hdf", "5 place du Théâtre", "59000", "Lille"),
    "LABOUSSE": ("Distribution", "1-9", "lt1m", "naq", "3 cours de l'Intendance", "33000", "Bordeaux"),
    "PM Conseil": ("Conseil", "10-49", "1m-10m", "idf", "40 avenue de l'Opéra", "75002", "Paris"),
    "IEI": ("Informatique", "50-249", "10m-50m", "occ", "2 place du Capitole", "31000", "Toulouse"),
}

SECTORS = ["Assurance", "Banque", "Conseil", "Distribution", "Industrie", "Informatique", "Luxe", "Santé", "Transport"]
SKILLS = {
    "Langages": ["Java", "Python", "C#", "JavaScript", "PHP"],
    "ERP / CRM": ["SAP", "Salesforce", "Oracle E-Business", "Microsoft Dynamics"],
    "Cloud": ["AWS", "Azure", "Google Cloud"],
    "Données": ["PostgreSQL", "Power BI", "Snowflake"],
}
DIFFUSION_LISTS = ["Newsletter mensuelle", "Invitations événements", "Offres partenaires"]

FIRST_NAMES = [
    "Léa",
    "Emma",
    "Chloé",
    "Inès",
    "Manon",
    "Camille",
    "Sarah",
    "Jade",
    "Louise",
    "Zoé",
    "Hélène",
    "Élodie",
    "Anaïs",
    "Céline",
    "Maëlle",
    "Noémie",
    "Julie",
    "Claire",
    "Lucas",
    "Hugo",
    "Louis",
    "Gabriel",
    "Arthur",
    "Jules",
    "Adam",
    "Raphaël",
    "Théo",
    "Noé",
    "Étienne",
    "Jérôme",
    "François",
    "Loïc",
    "Mathéo",
    "Benoît",
    "Cédric",
]
LAST_NAMES = [
    "MARTIN",
    "BERNARD",
    "THOMAS",
    "PETIT",
    "ROBERT",
    "RICHARD",
    "DURAND",
    "DUBOIS",
    "MOREAU",
    "LAURENT",
    "SIMON",
    "MICHEL",
    "LEFÈVRE",
    "LEROY",
    "ROUX",
    "DAVID",
    "BERTRAND",
    "MOREL",
    "FOURNIER",
    "GIRARD",
    "BONNET",
    "DUPONT",
    "LAMBERT",
    "FONTAINE",
    "ROUSSEAU",
    "VINCENT",
    "MULLER",
    "LEFEBVRE",
    "FAURE",
    "ANDRÉ",
    "MERCIER",
    "BLANC",
    "GUÉRIN",
    "BOYER",
    "GARNIER",
    "CHEVALIER",
    "FRANÇOIS",
    "LEGRAND",
    "GAUTHIER",
    "GARCIA",
    "PERRIN",
    "ROBIN",
    "CLÉMENT",
    "MORIN",
    "NICOLAS",
    "HENRY",
    "ROUSSEL",
    "MATHIEU",
    "GAUTIER",
    "MASSON",
    "MARCHAND",
    "DUVAL",
    "DENIS",
    "DUMONT",
    "MARIE",
    "LEMAIRE",
    "NOËL",
    "MEYER",
    "DUFOUR",
]
COMPANY_WORDS = [
    "Alpha",
    "Atlas",
    "Azur",
    "Boréal",
    "Cap",
    "Delta",
    "Éco",
    "Horizon",
    "Lumière",
    "Nova",
    "Opale",
    "Orion",
    "Pixel",
    "Quartz",
    "Rivage",
    "Saphir",
    "Sigma",
    "Solaris",
    "Terra",
    "Vega",
    "Zénith",
    "Avenir",
    "Cristal",
    "Étoile",
    "Granit",
]
COMPANY_SUFFIXES = ["Conseil", "Industries", "Services", "Solutions", "Groupe", "Technologies", "Distribution", "SAS"]
JOB_TITLES = [
    "Directeur",
    "Directrice commerciale",
    "Responsable achats",
    "DSI",
    "Chef de projet",
    "Contrôleur de gestion",
    "Directeur financier",
    "Responsable RH",
    "Acheteur",
    "",
]
DEPARTMENTS = ["Direction générale", "Achats", "Informatique", "Finance", "Ressources humaines", "Marketing", ""]


@transaction.atomic
def seed_reference_data() -> dict:
    """Entities, users, groups, sectors, skills and lists. Idempotent."""
    roles_setup()
    entities = {
        "paris": Entity.objects.get_or_create(code="paris", defaults={"name": "Paris"})[0],
        "lyon": Entity.objects.get_or_create(code="lyon", defaults={"name": "Lyon"})[0],
    }
    users = {}
    for login, last, first, entity_codes, group, is_superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=login,
            defaults={
                "last_name": last,
                "first_name": first,
                "email": f"{login}@demo-crm.fr",
                "is_staff": is_superuser,
                "is_superuser": is_superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.entities.set([entities[code] for code in entity_codes])
        user.groups.set([Group.objects.get(name=group)])
        users[login] = user
    sectors = {name: Sector.objects.get_or_create(name=name)[0] for name in SECTORS}
    for category_name, skill_names in SKILLS.items():
        category = SkillCategory.objects.get_or_create(name=category_name)[0]
        for skill_name in skill_names:
            Skill.objects.get_or_create(category=category, name=skill_name)
    for name in DIFFUSION_LISTS:
        diffusion_list, created = DiffusionList.objects.get_or_create(name=name)
        if created:
            diffusion_list.entities.set(entities.values())
    return {"entities": entities, "users": users, "sectors": sectors}


@transaction.atomic
def seed_guide_contacts(reference: dict) -> int:
    """The ten contacts of the guide's table, with their companies and deal (tasks: tasks.demo). Idempotent."""
    users, paris = reference["users"], reference["entities"]["paris"]
    if ProspectContact.objects.filter(last_name="PROSPERE", first_name="Louis").exists():
        seed_guide_company_files(reference)  # databases seeded before the companies had files
        return 0
    companies = {}
    for company_name, company_rep, company_status, *_rest in GUIDE_CONTACTS:
        if company_name not in companies:
            company = Company.objects.create(
                name=company_name,
                type=CompanyType.PROSPECT,
                status=company_status,
                assigned_to=users[company_rep],
                sector=reference["sectors"]["Conseil" if "Conseil" in company_name else "Informatique"],
            )
            company.entities.set([paris])
            companies[company_name] = company
    created = {}
    for company_name, _rep, _status, last, first, job, email, phone, region, rep, status in GUIDE_CONTACTS:
        created[last] = prospect_create(
            by=users["admin"],
            entities=[paris],
            company=companies[company_name],
            last_name=last,
            first_name=first,
            job_title=job,
            email=email,
            phone=phone,
            region=region,
            country="France",
            assigned_to=users[rep] if rep else None,
            status=status,
            origin=Origin.MARKETING if last == "ARMANON" else "",
        )
    duband = created["DUBAND"]
    opportunity = Opportunity.objects.create(
        name="Accompagnement PM Conseil 2024", company=duband.company, prospect=duband, assigned_to=users["marine"]
    )
    Proposal.objects.create(name="Proposition PM Conseil", opportunity=opportunity, prospect=duband)
    seed_guide_company_files(reference)
    return len(created)


def seed_guide_company_files(reference: dict) -> int:
    """Fill in the guide's companies' files (size, revenue, sector, region, address). Idempotent."""
    paris = reference["entities"]["paris"]
    companies = Company.objects.filter(name__in=GUIDE_COMPANY_FILES, entities=paris)
    updated = 0
    for company in companies:
        sector, headcount, revenue, region, address, postcode, city = GUIDE_COMPANY_FILES[company.name]
        company_update(
            company=company,
            by=None,
            sector=reference["sectors"][sector],
            headcount_band=headcount,
            revenue_band=revenue,
            region=region,
            address=address,
            postcode=postcode,
            city=city,
        )
        updated += 1
    return updated


def _fake_phone(rng: random.Random) -> str:
    """A valid metropolitan French number, already as phone_normalise writes it.

    Normalising a million random numbers would slow the generator for nothing, so it only
    draws from valid ranges: no 07 or 08 (unassigned blocks, "0 800 …" grouping), and the
    second pair in 10–38 (0262, 0590, 0639… are overseas numbers, 040x are unassigned).
    """
    pairs = [rng.randint(10, 38)] + [rng.randint(0, 99) for _ in range(3)]
    return "0" + str(rng.choice((1, 2, 3, 4, 5, 6, 9))) + " " + " ".join(f"{pair:02d}" for pair in pairs)


def _strip_accents(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def seed_generated_contacts(count: int, *, reference: dict, seed: int = 2026, progress: Callable[[int], None]) -> int:
    """Add `count` realistic contacts fast: COPY on PostgreSQL, bulk inserts elsewhere.

    Contacts are shared with Lyon and assigned to Lyon's reps (so the Paris demo users keep
    the guide's ten); the assigned rep's rights follow by rule (prospects.rights), nothing to write.
    """
    rng = random.Random(seed + ProspectContact.objects.count())
    entities = reference["entities"]
    lyon_logins = {login for login, *_names, codes, _group, superuser in DEMO_USERS if codes == ["lyon"]}
    reps = [reference["users"][login] for login in sorted(lyon_logins)] + [None]
    sectors = list(reference["sectors"].values())
    regions = Region.values
    now = timezone.now()
    admin = reference["users"]["admin"]

    with transaction.atomic():
        company_count = max(1, count // 25)
        companies = [
            Company(
                name=f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)} {index}",
                type=rng.choice([CompanyType.PROSPECT] * 3 + [CompanyType.CLIENT]),
                status=rng.choice(CompanyStatus.values),
                assigned_to=rng.choice(reps),
                sector=rng.choice(sectors),
                headcount_band=rng.choice(HeadcountBand.values),
                revenue_band=rng.choice(RevenueBand.values),
                region=rng.choice(regions),
            )
            for index in range(company_count)
        ]
        for company in companies:  # bulk_create skips save(), which fills it for the other writers
            company.search_name = company_search_name_of(company.name)
        Company.objects.bulk_create(companies, batch_size=2000)
        company_names = dict(Company.objects.order_by("-id").values_list("id", "name")[:company_count])
        company_ids = list(company_names)
        CompanyEntity = Company.entities.through
        CompanyEntity.objects.bulk_create(
            [CompanyEntity(company_id=cid, entity_id=entities["lyon"].pk) for cid in company_ids], batch_size=5000
        )

        columns = [
            "id", "company_id", "gender", "last_name", "first_name", "department", "job_title", "email", "phone",
            "mobile", "fax", "address", "postcode", "city", "region", "country", "assigned_to_id", "status",
            "sector_id", "origin", "origin_comment", "description", "created_by_id", "updated_by_id", "created_at",
            "updated_at", "search_text", "company_sort",
        ]  # fmt: skip
        start_id = (ProspectContact.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        statuses = ContactStatus.values
        origins = Origin.values + [""]
        chunk = 20000
        written = 0
        while written < count:
            size = min(chunk, count - written)
            contacts, links = [], []
            for offset in range(size):
                pk = start_id + written + offset
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                rep = rng.choice(reps)
                company_id = rng.choice(company_ids) if rng.random() < 0.9 else None
                email = f"{_strip_accents(first).lower()}.{_strip_accents(last).lower()}.{pk}@exemple.fr"
                phone, mobile = _fake_phone(rng), _fake_phone(rng) if rng.random() < 0.6 else ""
                company_name = company_names[company_id] if company_id else ""
                search_text = search_text_of(
                    last_name=last, first_name=first, email=email, company_name=company_name, phone=phone, mobile=mobile
                )
                contacts.append(
                    (
                        pk, company_id, rng.choice(["m", "mme", ""]), last, first, rng.choice(DEPARTMENTS),
                        rng.choice(JOB_TITLES), email, phone, mobile,
                        "", "", "", "", rng.choice(regions), "France", rep.pk if rep else None, rng.choice(statuses),
                        rng.choice(sectors).pk, rng.choice(origins), "", "", admin.pk, admin.pk, now, now,
                        search_text, company_sort_of(company_name),
                    )
                )  # fmt: skip
                links.append((pk, entities["lyon"].pk))
            _bulk_write(ProspectContact._meta.db_table, columns, contacts)
            _bulk_write(ProspectContact.entities.through._meta.db_table, ["prospectcontact_id", "entity_id"], links)
            written += size
            progress(size)
        _reset_sequences()
    return written


def _bulk_write(table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f'COPY "{table}" ({", ".join(columns)}) FROM STDIN'
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({placeholders})', rows)


def _reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return  # SQLite continues from the highest rowid by itself
    with connection.cursor() as cursor:
        for model in (ProspectContact, ProspectContact.entities.through):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE(MAX(id), 1)) FROM \"{table}\""
            )
