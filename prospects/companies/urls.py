"""The companies pages, included in the prospects namespace by prospects/urls.py."""

from django.urls import path

from prospects.companies import views

urlpatterns = [
    path("companies/list/", views.company_list, name="company_list"),
    path("companies/new/", views.company_new, name="company_create"),
    path("companies/quick-create/", views.company_quick_create_view, name="company_quick_create"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company_edit"),
]
