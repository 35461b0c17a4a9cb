from django.urls import path

from prospects.card import views as card_views
from prospects.companies import urls as company_urls
from prospects.duplicates import views as duplicate_views
from prospects.imports import views as import_views
from prospects.jobs import views as job_views
from prospects.list import views as list_views
from prospects.privacy import views as privacy_views
from prospects.saved_views import urls as saved_view_urls
from prospects.vcard import views as vcard_views

app_name = "prospects"

# The list, its mass actions and its export (prospects/list/).
urlpatterns = [
    path("", list_views.prospect_list, name="list"),
    path("export.xlsx", list_views.prospect_export_xlsx, name="export_xlsx"),
    path("companies/", list_views.company_picker, name="company_picker"),
    path("mass/", list_views.prospect_mass_page, name="mass_page"),
    path("mass/<slug:action>/", list_views.prospect_mass_action, name="mass_action"),
]

# Background jobs (prospects/jobs/).
urlpatterns += [
    path("jobs/<int:pk>/", job_views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/progress/", job_views.job_progress_partial, name="job_progress"),
    path("jobs/<int:pk>/download/", job_views.job_download, name="job_download"),
    path("jobs/<int:pk>/retry/", job_views.job_retry_view, name="job_retry"),
]

# The contact card and the contact's own pages (prospects/card/).
urlpatterns += [
    path("<int:pk>/", card_views.prospect_detail, name="detail"),
    path("new/", card_views.prospect_new, name="create"),
    path("<int:pk>/edit/", card_views.prospect_edit, name="edit"),
    path("<int:pk>/actions/", card_views.prospect_actions, name="actions"),
    # The same picker under the address the form first used (kept for bookmarks and caches).
    path("company-options/", list_views.company_picker, name="company_options"),
    path("<int:pk>/notes/", card_views.note_add, name="note_add"),
    path("<int:pk>/notes/<int:note_pk>/edit/", card_views.note_edit, name="note_edit"),
    path("<int:pk>/notes/<int:note_pk>/delete/", card_views.note_remove, name="note_delete"),
    path("<int:pk>/delete/", card_views.prospect_delete_view, name="delete"),
    path("<int:pk>/duplicate/", card_views.prospect_duplicate, name="duplicate"),
    path("<int:pk>/skills/", card_views.prospect_skills, name="skills"),
    path("<int:pk>/subscriptions/", card_views.prospect_subscriptions, name="subscriptions"),
    path("<int:pk>/convert/", card_views.prospect_convert_view, name="convert"),
    path("<int:pk>/opportunities/new/", card_views.opportunity_add, name="opportunity_add"),
    path("<int:pk>/opportunities/<int:opportunity_pk>/edit/", card_views.opportunity_edit, name="opportunity_edit"),
    path("<int:pk>/proposals/new/", card_views.proposal_add, name="proposal_add"),
]

# The companies: list, page, forms, the picker's quick creation (prospects/companies/).
urlpatterns += company_urls.urlpatterns

# Saved views of the list (prospects/saved_views/).
urlpatterns += saved_view_urls.urlpatterns

# vCard export and import (prospects/vcard/).
urlpatterns += [
    path("<int:pk>/vcard.vcf", vcard_views.vcard_export_one, name="vcard_export_one"),
    path("vcard/export/", vcard_views.vcard_export_many, name="vcard_export"),
    path("vcard/import/", vcard_views.vcard_import, name="vcard_import"),
    path("vcard/quick-add/", vcard_views.vcard_quick_add, name="vcard_quick_add"),
    path("vcard/import/<int:pk>/", vcard_views.vcard_preview_view, name="vcard_preview"),
    path("vcard/import/<int:pk>/start/", vcard_views.vcard_import_start, name="vcard_import_start"),
]

# Excel import (prospects/imports/).
urlpatterns += [
    path("import/", import_views.import_upload, name="import_upload"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
    path("import/<int:pk>/", import_views.import_preview, name="import_preview"),
    path("import/<int:pk>/start/", import_views.import_start, name="import_start"),
    path("import/<int:pk>/errors.xlsx", import_views.import_error_file, name="import_errors"),
    path("import/<int:pk>/undo/", import_views.import_undo_view, name="import_undo"),
]

# Duplicates and merge (prospects/duplicates/).
urlpatterns += [
    path("duplicates/", duplicate_views.duplicates_page, name="duplicates"),
    path("duplicates/search/", duplicate_views.duplicates_search_start, name="duplicates_search"),
    path("duplicates/merge/", duplicate_views.merge_screen, name="merge"),
    path("<int:pk>/merge/", duplicate_views.merge_pick, name="merge_pick"),
]

# Personal data (GDPR, prospects/privacy/).
urlpatterns += [
    path("<int:pk>/privacy/", privacy_views.privacy_page, name="privacy"),
    path("<int:pk>/privacy/access/", privacy_views.access_export, name="privacy_access"),
    path("<int:pk>/privacy/erase/", privacy_views.erase, name="privacy_erase"),
    path("privacy/retention/", privacy_views.retention_page, name="retention"),
]
