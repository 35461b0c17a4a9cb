"""The retention period (CNIL: 3 years after the last contact from the prospect, a setting)."""

from datetime import date

from django.conf import settings
from django.utils import timezone


def retention_limit(today: date | None = None) -> date:
    """The day before which a contact's last contact from the prospect is too old."""
    today = today or timezone.localdate()
    years = settings.PRIVACY_RETENTION_YEARS
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)
