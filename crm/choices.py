"""Coded values shared by companies, contacts and imports; stored codes never change."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CompanyType(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    CLIENT = "client", _("Client")


class CompanyStatus(models.TextChoices):
    NEW = "nouveau", _("Nouveau")
    ASSIGNED = "affecte", _("Affecté")
    TO_CONVERT = "a_convertir", _("A convertir")
    CONVERTED = "converti", _("Converti")
    ABANDONED = "abandonne", _("Abandonné")


class Gender(models.TextChoices):
    MR = "m", _("M.")
    MRS = "mme", _("Mme")


class Region(models.TextChoices):
    AUVERGNE_RHONE_ALPES = "ara", "Auvergne-Rhône-Alpes"
    BOURGOGNE_FRANCHE_COMTE = "bfc", "Bourgogne-Franche-Comté"
    BRETAGNE = "bre", "Bretagne"
    CENTRE_VAL_DE_LOIRE = "cvl", "Centre-Val de Loire"
    CORSE = "cor", "Corse"
    GRAND_EST = "ges", "Grand Est"
    HAUTS_DE_FRANCE = "hdf", "Hauts-de-France"
    ILE_DE_FRANCE = "idf", "Ile-de-France"
    NORMANDIE = "nor", "Normandie"
    NOUVELLE_AQUITAINE = "naq", "Nouvelle-Aquitaine"
    OCCITANIE = "occ", "Occitanie"
    PAYS_DE_LA_LOIRE = "pdl", "Pays de la Loire"
    PROVENCE_ALPES_COTE_D_AZUR = "pac", "Provence-Alpes-Côte d'Azur"
    GUADELOUPE = "gua", "Guadeloupe"
    MARTINIQUE = "mtq", "Martinique"
    GUYANE = "guy", "Guyane"
    LA_REUNION = "lre", "La Réunion"
    MAYOTTE = "may", "Mayotte"
    ABROAD = "etr", _("Etranger")


class HeadcountBand(models.TextChoices):
    MICRO = "1-9", _("1 à 9 salariés")
    SMALL = "10-49", _("10 à 49 salariés")
    MEDIUM = "50-249", _("50 à 249 salariés")
    INTERMEDIATE = "250-999", _("250 à 999 salariés")
    LARGE = "1000-4999", _("1 000 à 4 999 salariés")
    VERY_LARGE = "5000+", _("5 000 salariés et plus")


class RevenueBand(models.TextChoices):
    UNDER_1M = "lt1m", _("Moins de 1 M€")
    FROM_1M = "1m-10m", _("1 à 10 M€")
    FROM_10M = "10m-50m", _("10 à 50 M€")
    FROM_50M = "50m-250m", _("50 à 250 M€")
    FROM_250M = "250m-1b", _("250 M€ à 1 Md€")
    OVER_1B = "gt1b", _("Plus de 1 Md€")


class OpportunityStage(models.TextChoices):
    OPEN = "ouverte", _("Ouverte")
    WON = "gagnee", _("Gagnée")
    LOST = "perdue", _("Perdue")


class ProposalStatus(models.TextChoices):
    DRAFT = "brouillon", _("Brouillon")
    SENT = "envoyee", _("Envoyée")
    ACCEPTED = "acceptee", _("Acceptée")
    REFUSED = "refusee", _("Refusée")


def choices_check(
    field: str, choices: type[models.TextChoices], *, name: str, blank: bool = False
) -> models.CheckConstraint:
    """A database CHECK that keeps a coded column within its choices."""
    values = list(choices.values) + ([""] if blank else [])
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": values}), name=name)
