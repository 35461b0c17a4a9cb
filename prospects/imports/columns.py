"""The columns of the Excel import template: one definition read by the template writer,
the reader, the validator and the error file, so they can never drift apart.

Header titles are fixed French strings (they identify the column whatever the user's
language); help texts and messages are translated.
"""

from dataclasses import dataclass

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from crm.choices import CompanyType, Gender, Region
from prospects.models import ContactStatus, Origin, ProspectContact
from prospects.search import fold

DATA_SHEET = "Contacts"
INSTRUCTIONS_SHEET = "Instructions"
LISTS_SHEET = "Listes"
# The error file adds this last column; the reader tolerates it so a fixed error file can
# be uploaded again as is.
ERRORS_TITLE = "Erreurs"

# Column kinds: how a cell is normalised and checked.
TEXT, EMAIL, PHONE, POSTCODE, CHOICE, REP, ENTITIES, SECTOR, COMPANY = (
    "text",
    "email",
    "phone",
    "postcode",
    "choice",
    "rep",
    "entities",
    "sector",
    "company",
)


@dataclass(frozen=True)
class Column:
    key: str  # key of the row dict; a ProspectContact field unless stated otherwise
    title: str  # header of the template (fixed)
    kind: str = TEXT
    required: bool = False
    max_length: int | None = None
    choices: type[models.TextChoices] | None = None
    help: str = ""
    width: int = 18

    @property
    def is_text_formatted(self) -> bool:
        """Columns Excel must keep as text (leading zeros of phones and postcodes)."""
        return self.kind in (PHONE, POSTCODE)


def _max(field: str) -> int:
    return ProspectContact._meta.get_field(field).max_length


COLUMNS: tuple[Column, ...] = (
    Column("gender", "Civilité", CHOICE, choices=Gender, help=_("M. ou Mme."), width=10),
    Column("last_name", "Nom *", required=True, max_length=_max("last_name"), help=_("Obligatoire.")),
    Column("first_name", "Prénom *", required=True, max_length=_max("first_name"), help=_("Obligatoire.")),
    Column(
        "company",
        "Société",
        COMPANY,
        max_length=200,
        help=_(
            "Raison sociale d'une société que vous voyez ; une société inconnue est créée. "
            "Vide : contact prospect libre."
        ),
        width=26,
    ),
    Column(
        "company_type",
        "Type de société",
        CHOICE,
        choices=CompanyType,
        help=_("Prospect ou Client ; utilisé seulement quand la société est créée (défaut : Prospect)."),
    ),
    Column("department", "Service dans l'organigramme", max_length=_max("department")),
    Column("job_title", "Fonction", max_length=_max("job_title")),
    Column("email", "E-mail", EMAIL, max_length=_max("email"), help=_("Adresse e-mail valide."), width=28),
    Column("phone", "Téléphone", PHONE, max_length=_max("phone"), help=_("Saisi comme du texte.")),
    Column("mobile", "Mobile", PHONE, max_length=_max("mobile"), help=_("Saisi comme du texte.")),
    Column("fax", "Fax", PHONE, max_length=_max("fax"), help=_("Saisi comme du texte.")),
    Column("address", "Adresse", max_length=_max("address"), width=30),
    Column("postcode", "Code postal", POSTCODE, max_length=_max("postcode"), help=_("Saisi comme du texte.")),
    Column("city", "Ville", max_length=_max("city")),
    Column("region", "Région", CHOICE, choices=Region, help=_("Une valeur de la liste.")),
    Column("country", "Pays", max_length=_max("country"), help=_("Défaut : France.")),
    Column(
        "assigned_to",
        "Affecté à (identifiant)",
        REP,
        help=_("Un utilisateur de vos entités, tel que la liste le nomme (« DIRON Marine ») ou par son identifiant."),
    ),
    Column("status", "Statut", CHOICE, choices=ContactStatus, help=_("Défaut : Nouveau.")),
    Column("sector", "Secteur d'activité", SECTOR, help=_("Une valeur de la liste.")),
    Column("origin", "Origine", CHOICE, choices=Origin, help=_("Défaut : Import de fichier.")),
    Column("origin_comment", "Commentaire sur l'origine", max_length=_max("origin_comment")),
    Column("description", "Description", max_length=5000, width=30),
    Column(
        "entities",
        "Entités",
        ENTITIES,
        help=_("Une ou plusieurs de vos entités, séparées par des virgules. Défaut : toutes vos entités."),
    ),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}

# Other ways users write the coded values.
CHOICE_ALIASES = {
    "gender": {"monsieur": "m", "mr": "m", "m": "m", "madame": "mme", "mademoiselle": "mme", "mlle": "mme"},
}


def header_key(title) -> str:
    """How two headers are compared: accents, case, spaces and the required-field star ignored."""
    return fold(str(title or "")).replace("*", "").replace(" ", "")


def choice_lookup(column: Column) -> dict[str, str]:
    """Folded code or label (French and current language) → stored code."""
    lookup = {}
    for code, label in column.choices.choices:
        lookup[fold(code)] = code
        lookup[fold(str(label))] = code
        with translation.override("fr"):
            lookup[fold(str(label))] = code
    lookup.update(CHOICE_ALIASES.get(column.key, {}))
    return lookup


def choice_labels(column: Column) -> list[str]:
    """The values the template offers for a coded column (French labels)."""
    with translation.override("fr"):
        return [str(label) for _code, label in column.choices.choices]
