from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

admin.site.site_header = _("CRM — Administration")
admin.site.site_title = _("CRM")
admin.site.index_title = _("Utilisateurs, droits et données")

handler500 = "config.errors.server_error"

urlpatterns = [
    path("", RedirectView.as_view(url="/prospects/", permanent=False), name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("prospects/", include("prospects.urls")),
    path("tasks/", include("tasks.urls")),
    path("api/", include(("config.api", "api"))),
    path("accounts/api-tokens/", include("accounts.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
