"""Login throttling (django-axes): the client address failures are counted against, the lockout page."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with LOGIN_THROTTLE_PROXY_COUNT trusted proxies in front, the address the outermost one saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so the
    N-th entry from the right was written by our outermost proxy; entries further left come
    from the client and could be forged to escape the lockout.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.LOGIN_THROTTLE_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The page of a locked-out login: the same for every username, existing or not."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
