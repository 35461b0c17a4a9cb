"""Saved views of the contacts list, included in the prospects namespace by prospects/urls.py."""

from django.urls import path

from prospects.saved_views import views

urlpatterns = [
    path("views/", views.saved_views_manage, name="saved_views"),
    path("views/new/", views.saved_view_create, name="saved_view_create"),
    path("views/default/", views.saved_view_default, name="saved_view_default"),
    path("views/<int:pk>/", views.saved_view_open, name="saved_view_open"),
    path("views/<int:pk>/share/", views.saved_view_share_view, name="saved_view_share"),
    path("views/<int:pk>/delete/", views.saved_view_delete_view, name="saved_view_delete"),
    path("columns/", views.list_columns_choose, name="list_columns"),
]
