"""Static files in production: fingerprinted names, gzip and Brotli copies, cached for a year by WhiteNoise.

Kept apart from production.py so that a test can check it without production's environment.
`manage.py collectstatic` writes them (README, production mode).
"""

STATIC_FILES_BACKEND = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
