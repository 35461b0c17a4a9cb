from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from crm.choices import Gender, Region, choices_check
from prospects.rights import PERMISSIONS
from prospects.search import name_key_expression


class ContactStatus(models.TextChoices):
    NEW = "nouveau", _("Nouveau")
    ASSIGNED = "affecte", _("Affecté")
    IN_PROGRESS = "en_cours", _("En cours")
    CONVERTED = "converti", _("Converti")
    ABANDONED = "abandonne", _("Abandonné")


class Origin(models.TextChoices):
    MARKETING = "campagne", _("Campagne marketing")
    TRADE_SHOW = "salon", _("Salon / événement")
    WEBSITE = "site_web", _("Site web")
    REFERRAL = "recommandation", _("Recommandation")
    COLD = "prospection", _("Prospection directe")
    NETWORK = "reseau", _("Réseau social")
    IMPORT = "import", _("Import de fichier")
    OTHER = "autre", _("Autre")


class LegalBasis(models.TextChoices):
    """GDPR art. 6: why the company may prospect this person (CNIL: legitimate interest in B2B)."""

    LEGITIMATE_INTEREST = "interet_legitime", _("Intérêt légitime")
    CONSENT = "consentement", _("Consentement")


class OppositionChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "telephone", _("Téléphone")
    MAIL = "courrier", _("Courrier")
    FORM = "formulaire", _("Formulaire / site web")
    IN_PERSON = "oral", _("De vive voix")
    OTHER = "autre", _("Autre")


# B4: the history keeps only these columns; the rest (texts, denormalised search columns,
# timestamps) would make every historical row as wide as the contact for nothing.
HISTORY_TRACKED_FIELDS = ("status", "assigned_to", "company", "client_contact")


class ChangeHistory(HistoricalRecords):
    """django-simple-history without deletion rows: a deleted contact has no card to show them on.

    Its post_delete writes one INSERT per deleted contact, which would turn the mass delete and
    the import undo (thousands of contacts, deleted in bulk) into thousands of statements.
    The rows written before the deletion are kept.
    """

    def post_delete(self, instance, using=None, **kwargs):
        return

    def pre_delete(self, instance, **kwargs):
        return


class ProspectContact(models.Model):
    """A person the sales team is trying to win, at a prospect/client company or free."""

    company = models.ForeignKey(
        "crm.Company",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prospects",
        verbose_name=_("société"),
        db_index=False,  # prospect_company_idx (company, id) serves it
    )
    gender = models.CharField(_("genre"), max_length=3, choices=Gender.choices, blank=True)
    last_name = models.CharField(_("nom"), max_length=100)
    first_name = models.CharField(_("prénom"), max_length=100)
    department = models.CharField(_("service dans l'organigramme"), max_length=120, blank=True)
    job_title = models.CharField(_("fonction"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    fax = models.CharField(_("fax"), max_length=40, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=12, blank=True)
    city = models.CharField(_("ville"), max_length=120, blank=True)
    region = models.CharField(_("région"), max_length=3, choices=Region.choices, blank=True)
    country = models.CharField(_("pays"), max_length=80, blank=True, default="France")
    parent_company = models.ForeignKey(
        "crm.Company",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("groupe / compte parent"),
        db_index=False,  # rarely set: prospect_parent_company_idx indexes the filled ones only
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_prospects",
        verbose_name=_("affecté à"),
        db_index=False,  # prospect_rep_idx (assigned_to, id) serves it
    )
    status = models.CharField(_("statut"), max_length=10, choices=ContactStatus.choices, default=ContactStatus.NEW)
    sector = models.ForeignKey(
        "crm.Sector", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("secteur d'activité")
    )
    origin = models.CharField(_("origine"), max_length=20, choices=Origin.choices, blank=True)
    origin_comment = models.CharField(_("commentaire sur l'origine"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    entities = models.ManyToManyField(
        "accounts.Entity", related_name="prospects", blank=True, verbose_name=_("entités")
    )
    skills = models.ManyToManyField(
        "crm.Skill", related_name="prospects", blank=True, verbose_name=_("environnement / compétences")
    )
    diffusion_lists = models.ManyToManyField(
        "crm.DiffusionList", related_name="prospects", blank=True, verbose_name=_("listes de diffusion")
    )
    client_contact = models.OneToOneField(
        "crm.ClientContact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prospect",
        verbose_name=_("contact client issu de la conversion"),
    )
    import_job = models.ForeignKey(
        "prospects.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_prospects",
        verbose_name=_("créé par l'import"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créé par"),
        db_index=False,  # audit only; every bulk write would pay for an index nobody reads
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modifié par"),
        db_index=False,  # audit only; every bulk write would pay for an index nobody reads
    )
    # GDPR / CNIL (issue 17): written through prospects.privacy.services only.
    legal_basis = models.CharField(
        _("base légale"),
        max_length=20,
        choices=LegalBasis.choices,
        default=LegalBasis.LEGITIMATE_INTEREST,
        db_default=LegalBasis.LEGITIMATE_INTEREST,  # the bulk writers (COPY) leave it to the database
    )
    consent_date = models.DateField(_("date du consentement"), null=True, blank=True)
    consent_source = models.CharField(
        _("source du consentement"), max_length=255, blank=True, default="", db_default=""
    )
    last_inbound_at = models.DateField(
        _("dernier contact du prospect"), null=True, blank=True, editable=False, db_index=False
    )
    opposed_at = models.DateTimeField(_("opposition à la prospection le"), null=True, blank=True, editable=False)
    opposition_channel = models.CharField(
        _("canal de l'opposition"),
        max_length=12,
        choices=OppositionChannel.choices,
        blank=True,
        default="",
        db_default="",
    )
    # Denormalised for the list page (B3 search, sort by company); written by the services
    # through prospects.search, never by hand. See prospects.services.prospects_reindex.
    search_text = models.TextField(_("texte de recherche"), blank=True, default="", editable=False)
    company_sort = models.CharField(_("clé de tri société"), max_length=200, null=True, blank=True, editable=False)
    # The name half of the duplicate rule ("last|first", folded), computed by the database from
    # search_text on every write (no writer has to know it); indexed with the company.
    name_key = models.GeneratedField(
        expression=name_key_expression("search_text"),
        output_field=models.CharField(max_length=201),
        db_persist=True,
        verbose_name=_("clé de doublon (nom)"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    history = ChangeHistory(
        excluded_fields=[
            "gender",
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
            "parent_company",
            "sector",
            "origin",
            "origin_comment",
            "description",
            "import_job",
            "created_by",
            "updated_by",
            "search_text",
            "company_sort",
            "name_key",
            "created_at",
            "updated_at",
            "legal_basis",
            "consent_date",
            "consent_source",
            "last_inbound_at",
            "opposed_at",
            "opposition_channel",
        ],
        verbose_name=_("historique du contact prospect"),
    )

    class Meta:
        verbose_name = _("contact prospect")
        verbose_name_plural = _("contacts prospects")
        ordering = ["last_name", "first_name", "id"]
        permissions = PERMISSIONS  # prospects/rights.py
        constraints = [
            models.CheckConstraint(condition=~models.Q(last_name=""), name="prospect_last_name_not_empty"),
            models.CheckConstraint(condition=~models.Q(first_name=""), name="prospect_first_name_not_empty"),
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="prospect_email_lowercase"),
            choices_check("status", ContactStatus, name="prospect_status_valid"),
            choices_check("gender", Gender, name="prospect_gender_valid", blank=True),
            choices_check("region", Region, name="prospect_region_valid", blank=True),
            choices_check("origin", Origin, name="prospect_origin_valid", blank=True),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="prospect_name_idx"),
            models.Index(fields=["email"], name="prospect_email_idx"),
            models.Index(fields=["status", "assigned_to", "id"], name="prospect_status_rep_idx"),
            models.Index(fields=["assigned_to", "id"], name="prospect_rep_idx"),
            models.Index(fields=["company", "id"], name="prospect_company_idx"),
            models.Index(fields=["company_sort", "last_name", "first_name", "id"], name="prospect_company_sort_idx"),
            models.Index(
                fields=["parent_company"],
                condition=models.Q(parent_company__isnull=False),
                name="prospect_parent_company_idx",
            ),
            # The duplicate finder's keys (prospects.duplicates.rules): equal phones, equal folded
            # names at one company. The e-mail has prospect_email_idx.
            models.Index(fields=["phone", "id"], condition=~models.Q(phone=""), name="prospect_phone_key_idx"),
            models.Index(fields=["mobile", "id"], condition=~models.Q(mobile=""), name="prospect_mobile_key_idx"),
            models.Index(
                fields=["company", "name_key"], condition=models.Q(company__isnull=False), name="prospect_name_key_idx"
            ),
            models.Index(fields=["last_inbound_at"], name="prospect_last_inbound_idx"),
            # The list's other sorts, walked like the name and company ones (prospects.list.paging
            # WALKABLE_SORTS): without them a sort by first name at a million contacts sorts every
            # visible row (about a second of both cores per request).
            models.Index(fields=["first_name", "last_name", "id"], name="prospect_first_name_idx"),
            models.Index(fields=["job_title", "id"], name="prospect_job_title_idx"),
            models.Index(fields=["status", "id"], name="prospect_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"

    @property
    def is_free(self) -> bool:
        """A free prospect contact has no company."""
        return self.company_id is None


class ProspectContactUserObjectPermission(UserObjectPermissionBase):
    """Per-object rights on a contact; deleted with the contact (cascade).

    The unique (user, permission, content_object) index serves every lookup by user, so
    user and permission carry no index of their own (one row per imported contact).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    permission = models.ForeignKey("auth.Permission", on_delete=models.CASCADE, db_index=False)
    content_object = models.ForeignKey(ProspectContact, on_delete=models.CASCADE)


class ProspectContactGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(ProspectContact, on_delete=models.CASCADE)


class ProspectNote(models.Model):
    """A post-it note on a contact, kept with the entity its author wrote it from."""

    prospect = models.ForeignKey(
        ProspectContact, on_delete=models.CASCADE, related_name="notes", verbose_name=_("contact prospect")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prospect_notes", verbose_name=_("auteur")
    )
    entity = models.ForeignKey(
        "accounts.Entity", on_delete=models.PROTECT, related_name="prospect_notes", verbose_name=_("entité")
    )
    text = models.TextField(_("note"), max_length=2000)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("post-it")
        verbose_name_plural = _("post-it")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~models.Q(text=""), name="note_text_not_empty")]
        indexes = [models.Index(fields=["prospect", "entity"], name="note_prospect_entity_idx")]

    def __str__(self) -> str:
        return self.text[:50]


class JobKind(models.TextChoices):
    IMPORT_XLSX = "import_xlsx", _("Import Excel")
    IMPORT_VCF = "import_vcf", _("Import VCF")
    EXPORT_VCF = "export_vcf", _("Export VCF")
    EXPORT_XLSX = "export_xlsx", _("Export Excel")
    IMPORT_UNDO = "import_undo", _("Annulation d'import")
    VCF_PREVIEW = "vcf_preview", _("Lecture de fichiers VCF")
    MASS_ACTION = "mass_action", _("Action de masse")
    DUPLICATES_FIND = "duplicates_find", _("Recherche de doublons")
    RETENTION_PURGE = "retention_purge", _("Purge de conservation (RGPD)")


# The imports: previewed before they run, undoable once done.
IMPORT_KINDS = (JobKind.IMPORT_XLSX, JobKind.IMPORT_VCF)


class JobStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminé")
    FAILED = "failed", _("Echoué")


def job_file_path(job: "Job", filename: str) -> str:
    """Server-built storage name: the user's file name is kept on the row, never in the path."""
    import uuid

    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    suffix = "".join(ch for ch in suffix if ch.isalnum())[:8] or "bin"
    return f"jobs/{job.kind}/{uuid.uuid4().hex}.{suffix}"


class Job(models.Model):
    """A background import or export: who, what, its progress and its outcome."""

    kind = models.CharField(_("type"), max_length=20, choices=JobKind.choices)
    status = models.CharField(_("état"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("lancé par")
    )
    options = models.JSONField(_("options"), default=dict, blank=True)
    source_file = models.FileField(_("fichier source"), upload_to=job_file_path, blank=True, max_length=255)
    source_name = models.CharField(_("nom du fichier source"), max_length=255, blank=True)
    result_file = models.FileField(_("fichier résultat"), upload_to=job_file_path, blank=True, max_length=255)
    result_name = models.CharField(_("nom du fichier résultat"), max_length=255, blank=True)
    progress_done = models.PositiveIntegerField(_("éléments traités"), default=0)
    progress_total = models.PositiveIntegerField(_("éléments à traiter"), default=0)
    counts = models.JSONField(_("compteurs"), default=dict, blank=True)
    errors = models.JSONField(_("erreurs par ligne"), default=list, blank=True)
    error_message = models.TextField(_("erreur"), blank=True)
    # The technical cause of a crash (exception type and text): staff only, never the user's message.
    error_detail = models.TextField(_("détail technique de l'erreur"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("démarré le"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("traitement en arrière-plan")
        verbose_name_plural = _("traitements en arrière-plan")
        ordering = ["-created_at", "-id"]
        constraints = [
            choices_check("kind", JobKind, name="job_kind_valid"),
            choices_check("status", JobStatus, name="job_status_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat_idx"),
            models.Index(fields=["created_by", "-created_at"], name="job_creator_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def preview_expires_at(self):
        """When an import preview left unconfirmed is deleted (prospects.jobs.jobs_expire_previews)."""
        return self.created_at + timedelta(seconds=settings.JOB_PREVIEW_EXPIRES_SECONDS)


# The models of the feature packages live beside their code; importing them here registers them.
from prospects.duplicates.models import ProspectMerge  # noqa: E402, F401
from prospects.privacy.models import (  # noqa: E402, F401
    OppositionEntry,
    OppositionKind,
    PersonalDataAction,
    PersonalDataLog,
)

# The list's saved views and per-user preferences live with their feature (prospects/saved_views/).
from prospects.saved_views.models import ProspectListPreference, SavedView  # noqa: E402, F401
