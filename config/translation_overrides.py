"""Strings of Django and REST framework whose French wording this project fixes.

REST framework's French catalogue would otherwise replace Django's own wording of these
messages; listing them here keeps them in locale/fr when `makemessages` rebuilds it. Nothing
imports this module: it only marks the strings.
"""

from django.utils.translation import gettext_noop

OVERRIDDEN = (
    gettext_noop("Enter a valid email address."),
    gettext_noop("No file was submitted."),
    gettext_noop("Upload a valid image. The file you uploaded was either not an image or a corrupted image."),
    gettext_noop("Value must be valid JSON."),
)
