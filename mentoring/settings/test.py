"""Tests: fast hashing, in-memory email, plain static storage.

Manifest static names 404 under live_server, so the browser tests need plain storage.
"""

from .base import *
from .base import REST_FRAMEWORK, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default="memory://")
ACCOUNT_RATE_LIMITS = False
WEBHOOKS_ALLOW_PRIVATE_TARGETS = True  # the tests' receiver listens on 127.0.0.1
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "10000/min", "organization": "10000/min"},
}

# No collectstatic in this mode: serve from the finders and skip WhiteNoise's missing-root warning.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
