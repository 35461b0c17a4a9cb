"""The list's columns (L1), in the guide's order, and which ones a user chose to hide."""

from django.utils.translation import gettext_lazy

from accounts.models import User
from prospects.saved_views.selectors import list_preference_of

# (key, title): the key is also the column's sort parameter (prospects.list.paging.SORTS).
COLUMNS = (
    ("company", gettext_lazy("Société")),
    ("company_rep", gettext_lazy("Compte affecté à")),
    ("company_type", gettext_lazy("Société - type / statut")),
    ("last_name", gettext_lazy("Nom")),
    ("first_name", gettext_lazy("Prénom")),
    ("job_title", gettext_lazy("Fonction")),
    ("email", gettext_lazy("E-mail")),
    ("phone", gettext_lazy("Téléphone")),
    ("mobile", gettext_lazy("Mobile")),
    ("fax", gettext_lazy("Fax")),
    ("region", gettext_lazy("Région")),
    ("assigned_to", gettext_lazy("Affecté à")),
    ("status", gettext_lazy("Statut")),
    ("deals", gettext_lazy("Affaires")),
    ("notes", gettext_lazy("Post-it")),
)
COLUMN_KEYS = [key for key, _title in COLUMNS]
# The contact's name opens the card and carries the row: it is never hidden.
ALWAYS_SHOWN = frozenset({"last_name"})


def hidden_columns_of(user: User) -> frozenset[str]:
    """The columns the user hid (prospects.saved_views.models.ProspectListPreference), known ones only."""
    hidden = list_preference_of(user).hidden_columns or []
    return frozenset(key for key in hidden if key in COLUMN_KEYS and key not in ALWAYS_SHOWN)
