"""Development: the README's run command uses this mode."""

from .base import *
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# No collectstatic in this mode: serve from the finders and skip WhiteNoise's missing-root warning.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
