from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from crm.choices import (
    CompanyStatus,
    CompanyType,
    Gender,
    HeadcountBand,
    OpportunityStage,
    ProposalStatus,
    Region,
    RevenueBand,
    choices_check,
)
from crm.text import company_search_name_of

NOT_EMPTY = ~models.Q(name="")


class Sector(models.Model):
    """Sector of activity (secteur d'activité)."""

    name = models.CharField(_("nom"), max_length=120, unique=True)

    class Meta:
        verbose_name = _("secteur d'activité")
        verbose_name_plural = _("secteurs d'activité")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=NOT_EMPTY, name="sector_name_not_empty")]

    def __str__(self) -> str:
        return self.name


class SkillCategory(models.Model):
    name = models.CharField(_("nom"), max_length=120, unique=True)

    class Meta:
        verbose_name = _("catégorie de compétences")
        verbose_name_plural = _("catégories de compétences")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=NOT_EMPTY, name="skillcategory_name_not_empty")]

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    """One item of a technical environment (Java, SAP, AWS...)."""

    name = models.CharField(_("nom"), max_length=120)
    category = models.ForeignKey(
        SkillCategory, on_delete=models.PROTECT, related_name="skills", verbose_name=_("catégorie")
    )

    class Meta:
        verbose_name = _("compétence")
        verbose_name_plural = _("compétences")
        ordering = ["category__name", "name"]
        constraints = [
            models.CheckConstraint(condition=NOT_EMPTY, name="skill_name_not_empty"),
            models.UniqueConstraint(fields=["category", "name"], name="skill_unique_in_category"),
        ]

    def __str__(self) -> str:
        return self.name


class Company(models.Model):
    """An account (compte): a prospect or a client company."""

    name = models.CharField(_("raison sociale"), max_length=200)
    type = models.CharField(_("type"), max_length=10, choices=CompanyType.choices, default=CompanyType.PROSPECT)
    status = models.CharField(_("statut"), max_length=12, choices=CompanyStatus.choices, default=CompanyStatus.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_companies",
        verbose_name=_("compte affecté à"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subsidiaries",
        verbose_name=_("groupe / compte parent"),
    )
    sector = models.ForeignKey(
        Sector, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("secteur d'activité")
    )
    headcount_band = models.CharField(_("taille / effectif"), max_length=10, choices=HeadcountBand.choices, blank=True)
    revenue_band = models.CharField(_("fourchette de CA"), max_length=10, choices=RevenueBand.choices, blank=True)
    region = models.CharField(_("région"), max_length=3, choices=Region.choices, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=12, blank=True)
    city = models.CharField(_("ville"), max_length=120, blank=True)
    country = models.CharField(_("pays"), max_length=80, blank=True, default="France")
    website = models.URLField(_("site web"), blank=True)
    entities = models.ManyToManyField(
        "accounts.Entity", related_name="companies", blank=True, verbose_name=_("entités")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    # The folded name (crm.text.company_search_name_of) the company picker and the admin search;
    # a pg_trgm GIN index serves its LIKE '%term%' on PostgreSQL (migration 0003).
    search_name = models.CharField(_("nom de recherche"), max_length=200, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("société")
        verbose_name_plural = _("sociétés")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=NOT_EMPTY, name="company_name_not_empty"),
            choices_check("type", CompanyType, name="company_type_valid"),
            choices_check("status", CompanyStatus, name="company_status_valid"),
            choices_check("headcount_band", HeadcountBand, name="company_headcount_valid", blank=True),
            choices_check("revenue_band", RevenueBand, name="company_revenue_valid", blank=True),
            choices_check("region", Region, name="company_region_valid", blank=True),
        ]
        indexes = [
            models.Index(Lower("name"), "id", name="company_name_idx"),
            models.Index(fields=["type", "sector"], name="company_type_sector_idx"),
            models.Index(fields=["headcount_band"], name="company_headcount_idx"),
            models.Index(fields=["revenue_band"], name="company_revenue_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # A derived column, not a business rule: every ORM writer (admin, forms, factories,
        # services) gets it here; bulk writers set it with company_search_name_of themselves.
        self.search_name = company_search_name_of(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)


class CompanyUserObjectPermission(UserObjectPermissionBase):
    """Per-object rights on a company (direct foreign key: fast joins, cascading deletes)."""

    content_object = models.ForeignKey(Company, on_delete=models.CASCADE)


class CompanyGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Company, on_delete=models.CASCADE)


class ClientContact(models.Model):
    """A contact of a client company; what a prospect contact becomes once converted."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="client_contacts", verbose_name=_("société")
    )
    gender = models.CharField(_("genre"), max_length=3, choices=Gender.choices, blank=True)
    last_name = models.CharField(_("nom"), max_length=100)
    first_name = models.CharField(_("prénom"), max_length=100)
    department = models.CharField(_("service dans l'organigramme"), max_length=120, blank=True)
    job_title = models.CharField(_("fonction"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True, db_index=True)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_contacts",
        verbose_name=_("affecté à"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créé par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact client")
        verbose_name_plural = _("contacts clients")
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(last_name=""), name="clientcontact_last_name_not_empty"),
            models.CheckConstraint(condition=~models.Q(first_name=""), name="clientcontact_first_name_not_empty"),
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="clientcontact_email_lowercase"),
            choices_check("gender", Gender, name="clientcontact_gender_valid", blank=True),
        ]

    def __str__(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"


class DiffusionList(models.Model):
    """A mailing list that contacts subscribe to."""

    name = models.CharField(_("nom"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    entities = models.ManyToManyField(
        "accounts.Entity", related_name="diffusion_lists", blank=True, verbose_name=_("entités")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("liste de diffusion")
        verbose_name_plural = _("listes de diffusion")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=NOT_EMPTY, name="diffusionlist_name_not_empty")]

    def __str__(self) -> str:
        return self.name


class Opportunity(models.Model):
    """A deal, on a company or on a (possibly free) prospect contact."""

    name = models.CharField(_("intitulé"), max_length=200)
    company = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("société"),
    )
    prospect = models.ForeignKey(
        "prospects.ProspectContact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("contact prospect"),
    )
    stage = models.CharField(_("étape"), max_length=10, choices=OpportunityStage.choices, default=OpportunityStage.OPEN)
    amount = models.DecimalField(_("montant (€)"), max_digits=12, decimal_places=2, null=True, blank=True)
    expected_close_on = models.DateField(_("date de signature prévue"), null=True, blank=True)
    probability = models.PositiveSmallIntegerField(
        _("probabilité (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("affecté à"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créé par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("opportunité")
        verbose_name_plural = _("opportunités")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=NOT_EMPTY, name="opportunity_name_not_empty"),
            choices_check("stage", OpportunityStage, name="opportunity_stage_valid"),
            models.CheckConstraint(condition=models.Q(probability__lte=100), name="opportunity_probability_percent"),
            models.CheckConstraint(
                condition=models.Q(company__isnull=False) | models.Q(prospect__isnull=False),
                name="opportunity_has_company_or_prospect",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Proposal(models.Model):
    """A commercial proposal (proposition commerciale) within an opportunity."""

    name = models.CharField(_("intitulé"), max_length=200)
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("opportunité")
    )
    prospect = models.ForeignKey(
        "prospects.ProspectContact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("contact prospect"),
    )
    status = models.CharField(_("statut"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT)
    amount = models.DecimalField(_("montant (€)"), max_digits=12, decimal_places=2, null=True, blank=True)
    sent_on = models.DateField(_("envoyée le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créé par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("proposition commerciale")
        verbose_name_plural = _("propositions commerciales")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=NOT_EMPTY, name="proposal_name_not_empty"),
            choices_check("status", ProposalStatus, name="proposal_status_valid"),
        ]

    def __str__(self) -> str:
        return self.name
