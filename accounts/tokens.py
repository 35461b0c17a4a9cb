"""API tokens: created with a secret shown once, stored as a SHA-256 digest, revocable, dated on use.

A key reads `crm_<prefix>_<secret>`: the prefix finds the row, the digest of the whole key is
compared in constant time. The secret is 256 random bits, so a fast hash is enough (no
password stretching: nobody can guess it).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, User

KEY_PREFIX = "crm"
# last_used_at is written at most this often per token: a busy client costs no write per request.
LAST_USED_PRECISION = timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 20


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    key: str  # shown to the user once, never stored


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


@transaction.atomic
def token_create(*, user: User, name: str) -> NewToken:
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ValidationError({"name": _("Donnez un nom au jeton (par exemple l'outil qui l'utilisera).")})
    if tokens_of(user).filter(revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("Vous avez déjà %(n)d jetons actifs : révoquez-en un d'abord.") % {"n": MAX_ACTIVE_TOKENS}
        )
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(user=user, name=name, prefix=prefix, digest=_digest(key))
    token.full_clean()
    token.save()
    return NewToken(token=token, key=key)


def token_revoke(*, token: ApiToken) -> bool:
    """Revoke the token (False if it was already revoked): refused from the next request on."""
    now = timezone.now()
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.revoked_at = token.revoked_at or now
    return bool(changed)


def token_authenticate(key: str) -> ApiToken | None:
    """The active token of this key, its user loaded and its last use recorded; None otherwise."""
    parts = (key or "").split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2] or len(key) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1], revoked_at__isnull=True).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(key)) or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
        ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
