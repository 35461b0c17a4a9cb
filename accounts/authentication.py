"""The API's authentication by token and its rate limit per token (Django REST framework)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling

from accounts.models import ApiToken
from accounts.tokens import token_authenticate

KEYWORDS = (b"bearer", b"token")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer crm_<prefix>_<secret>`; request.auth is the ApiToken."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("En-tête Authorization invalide : « Bearer <jeton> » attendu."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Jeton d'API invalide ou révoqué.")) from None
        token = token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Jeton d'API invalide ou révoqué."))
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class ApiTokenRateThrottle(throttling.SimpleRateThrottle):
    """One bucket per token (scope "api_token", rate in REST_FRAMEWORK's DEFAULT_THROTTLE_RATES);
    a browser session gets one bucket per user."""

    scope = "api_token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes the token authentication (drf-spectacular)."""

    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(_("Jeton d'API créé sur la page « Jetons d'API » : Authorization: Bearer crm_…")),
        }
