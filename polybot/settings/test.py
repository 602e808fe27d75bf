"""Test settings: real PostgreSQL and Redis (embedded or from the environment).

No SQLite and no in-memory channel layer (STYLE A3); only what makes tests
fast and deterministic differs: eager Celery and a cheap password hasher.
"""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import CACHES, CHANNEL_LAYERS, REDIS_URL

SECRET_KEY = "test-secret-key-not-for-production"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# A fixed test key, so encryption is exercised exactly as in production.
ENCRYPTION_KEY = "dGVzdC1rZXktMzItYnl0ZXMtbG9uZy0xMjM0NTY3ODk="
ENCRYPTION_KEY_ID = "test"
# Separate key prefixes keep a running demo's cache and groups apart.
CACHES["default"]["KEY_PREFIX"] = "polybot-test"
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = "polybot-test:channels"
TEST_REDIS_URL = REDIS_URL
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
