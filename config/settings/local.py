"""Embedded mode for `make run`: SQLite and in-process tasks unless the environment says otherwise.

Users see the site's error pages; DJANGO_DEBUG=1 brings back Django's debug pages. Static
files are served by WhiteNoise straight from the app and project folders, with or without
debug, so no collectstatic is needed.
"""

from config.settings.base import *  # noqa: F403

STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
