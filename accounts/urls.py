from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.token_list, name="tokens"),
    path("<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
]
