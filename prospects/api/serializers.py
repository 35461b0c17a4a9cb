"""What the API returns (read-only serializers), and the description of its inputs for the schema.

Inputs are validated by the web's forms (crm.api.form_validated): the input serializers below
are generated from those forms and only describe them.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm.api import serializer_for_form
from crm.models import Company, DiffusionList, Opportunity
from prospects.forms import NoteForm, OpportunityForm, ProspectForm, SubscriptionsForm
from prospects.models import Job, ProspectContact, ProspectNote

CONTACT_FIELDS = (
    "id", "company", "gender", "last_name", "first_name", "department", "job_title", "email", "phone",
    "mobile", "fax", "address", "postcode", "city", "region", "country", "entities", "parent_company",
    "assigned_to", "status", "sector", "origin", "origin_comment", "description", "client_contact",
    "created_at", "updated_at",
)  # fmt: skip


class ContactSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ProspectContact
        fields = (*CONTACT_FIELDS, "company_name")
        read_only_fields = fields


class CompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = (
            "id", "name", "type", "status", "assigned_to", "parent", "sector", "headcount_band", "revenue_band",
            "region", "address", "postcode", "city",
        )  # fmt: skip
        read_only_fields = fields


class NoteSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.display_name", read_only=True, default=None)
    entity_name = serializers.CharField(source="entity.name", read_only=True, default=None)
    can_manage = serializers.BooleanField(
        read_only=True, help_text=_("L'utilisateur peut modifier ou supprimer la note.")
    )

    class Meta:
        model = ProspectNote
        fields = ("id", "prospect", "author", "author_name", "entity", "entity_name", "text", "created_at",
                  "updated_at", "can_manage")  # fmt: skip
        read_only_fields = fields


class OpportunitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Opportunity
        fields = ("id", "name", "company", "prospect", "stage", "amount", "expected_close_on", "assigned_to")
        read_only_fields = fields


class DiffusionListSerializer(serializers.ModelSerializer):
    class Meta:
        model = DiffusionList
        fields = ("id", "name", "description")
        read_only_fields = fields


class JobSerializer(serializers.ModelSerializer):
    """Filled in by prospects.api.jobs.job_out: the live progress and the download links."""

    progress_done = serializers.IntegerField(read_only=True, default=0)
    progress_total = serializers.IntegerField(read_only=True, default=0)
    percent = serializers.IntegerField(read_only=True)
    awaiting_confirmation = serializers.BooleanField(
        read_only=True, default=False, help_text=_("Aperçu d'import en attente de confirmation (POST …/confirm/).")
    )
    result_url = serializers.CharField(read_only=True, allow_null=True, default=None)
    errors_url = serializers.CharField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Job
        fields = (
            "id", "kind", "status", "source_name", "result_name", "progress_done", "progress_total", "percent",
            "counts", "errors", "error_message", "awaiting_confirmation", "created_at", "started_at",
            "finished_at", "result_url", "errors_url",
        )  # fmt: skip
        read_only_fields = fields


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class DeleteRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField(), help_text=_("Ce qui est encore lié au contact."))


ContactInput = serializer_for_form(ProspectForm, "ContactInput")
NoteInput = serializer_for_form(NoteForm, "NoteInput")
OpportunityInput = serializer_for_form(OpportunityForm, "OpportunityInput")
SubscriptionsInput = serializer_for_form(SubscriptionsForm, "SubscriptionsInput")
