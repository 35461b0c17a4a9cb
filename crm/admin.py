from django.contrib import admin
from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from crm.forms import EMAIL_FORMFIELD_OVERRIDES
from crm.models import ClientContact, Company, DiffusionList, Opportunity, Proposal, Sector, Skill, SkillCategory
from crm.text import company_search_name_of


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class SkillInline(admin.TabularInline):
    model = Skill
    extra = 1


@admin.register(SkillCategory)
class SkillCategoryAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    inlines = [SkillInline]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "category"]
    list_filter = ["category"]
    search_fields = ["name", "category__name"]
    list_select_related = ["category"]


@admin.register(Company)
class CompanyAdmin(GuardedModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "type", "status", "assigned_to", "sector", "headcount_band", "region"]
    list_filter = ["type", "status", "entities", "sector", "headcount_band", "revenue_band", "region"]
    search_fields = ["search_name", "city", "postcode"]
    list_select_related = ["assigned_to", "sector"]
    autocomplete_fields = ["assigned_to", "parent", "sector"]
    filter_horizontal = ["entities"]

    def get_search_results(self, request, queryset, search_term):
        """Every word must match the folded name (accents and case ignored), the city or the postcode."""
        for word in search_term.split():
            queryset = queryset.filter(
                Q(search_name__contains=company_search_name_of(word))
                | Q(city__icontains=word)
                | Q(postcode__startswith=word)
            )
        return queryset, False


@admin.register(ClientContact)
class ClientContactAdmin(admin.ModelAdmin):
    formfield_overrides = {models.EmailField: EMAIL_FORMFIELD_OVERRIDES}
    list_display = ["last_name", "first_name", "company", "job_title", "email", "assigned_to"]
    search_fields = ["last_name", "first_name", "email", "company__name"]
    list_select_related = ["company", "assigned_to"]
    autocomplete_fields = ["company", "assigned_to"]


@admin.register(DiffusionList)
class DiffusionListAdmin(admin.ModelAdmin):
    list_display = ["name", "subscriber_count", "created_at"]
    list_filter = ["entities"]
    search_fields = ["name"]
    filter_horizontal = ["entities"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(subscriber_count=Count("prospects"))

    @admin.display(description=_("abonnés"), ordering="subscriber_count")
    def subscriber_count(self, diffusion_list) -> int:
        return diffusion_list.subscriber_count


class ProposalInline(admin.TabularInline):
    model = Proposal
    extra = 0
    fields = ["name", "status", "amount", "sent_on", "prospect"]
    autocomplete_fields = ["prospect"]


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "prospect", "stage", "amount", "assigned_to", "created_at"]
    list_filter = ["stage"]
    search_fields = ["name", "company__name", "prospect__last_name"]
    list_select_related = ["company", "prospect", "assigned_to"]
    autocomplete_fields = ["company", "prospect", "assigned_to"]
    inlines = [ProposalInline]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["name", "opportunity", "prospect", "status", "amount", "sent_on"]
    list_filter = ["status"]
    search_fields = ["name", "opportunity__name"]
    list_select_related = ["opportunity", "prospect"]
    autocomplete_fields = ["opportunity", "prospect"]
