"""Response headers that django-csp and Django's SecurityMiddleware do not set."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header: the browser features no page of the CRM uses are off."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DENIED)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response
