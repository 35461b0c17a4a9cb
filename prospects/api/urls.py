"""The prospects app's API routes (included under /api/ by config.api, namespace "api")."""

from django.urls import path

from prospects.api import contacts, jobs, related

urlpatterns = [
    path("contacts/", contacts.ContactListView.as_view(), name="contacts"),
    path("contacts/<int:pk>/", contacts.ContactDetailView.as_view(), name="contact"),
    path("contacts/<int:pk>/notes/", related.NoteListView.as_view(), name="contact-notes"),
    path("contacts/<int:pk>/notes/<int:note_pk>/", related.NoteDetailView.as_view(), name="contact-note"),
    path("contacts/<int:pk>/opportunities/", related.ContactOpportunityView.as_view(), name="contact-opportunities"),
    path("contacts/<int:pk>/subscriptions/", related.SubscriptionsView.as_view(), name="contact-subscriptions"),
    path("opportunities/", related.OpportunityListView.as_view(), name="opportunities"),
    path("diffusion-lists/", related.DiffusionListView.as_view(), name="diffusion-lists"),
    path("companies/", related.CompanyListView.as_view(), name="companies"),
    path("companies/<int:pk>/", related.CompanyDetailView.as_view(), name="company"),
    path("jobs/", jobs.JobListView.as_view(), name="jobs"),
    path("jobs/<int:pk>/", jobs.JobDetailView.as_view(), name="job"),
    path("jobs/<int:pk>/confirm/", jobs.JobConfirmView.as_view(), name="job-confirm"),
    path("jobs/<int:pk>/result/", jobs.JobResultView.as_view(), name="job-result"),
    path("jobs/<int:pk>/errors/", jobs.JobErrorsView.as_view(), name="job-errors"),
    path("imports/xlsx/", jobs.XlsxImportView.as_view(), name="import-xlsx"),
    path("imports/vcard/", jobs.VCardImportView.as_view(), name="import-vcard"),
    path("exports/xlsx/", jobs.XlsxExportView.as_view(), name="export-xlsx"),
    path("exports/vcard/", jobs.VCardExportView.as_view(), name="export-vcard"),
]
