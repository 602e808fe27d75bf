"""Test settings: real PostgreSQL and Redis (embedded or from the environment).

No SQLite and no in-memory channel layer (STYLE A3); only what makes tests
fast and deterministic differs: eager Celery and a cheap password hasher.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import CACHES, CHANNEL_LAYER_SOCKET_TIMEOUT, CHANNEL_LAYERS, REDIS_URL, env

SECRET_KEY = "test-secret-key-not-for-production"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Pushes render in place after the commit, so a test can assert them at
# once; tests/orders/test_publisher.py covers the publisher thread.
POLYBOT_PUSH_IN_BACKGROUND = False
# A fixed test key, so encryption is exercised exactly as in production.
ENCRYPTION_KEY = "dGVzdC1rZXktMzItYnl0ZXMtbG9uZy0xMjM0NTY3ODk="
ENCRYPTION_KEY_ID = "test"


def _redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


# Tests flush their Redis database between tests, so they get one of their
# own: a running demo on the same server (database 0) is never wiped.
TEST_REDIS_URL = _redis_db(REDIS_URL, env.int("POLYBOT_TEST_REDIS_DB", default=15))
CACHES["default"]["LOCATION"] = TEST_REDIS_URL
CACHES["default"]["KEY_PREFIX"] = "polybot-test"
CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [
    {"address": TEST_REDIS_URL, "socket_timeout": CHANNEL_LAYER_SOCKET_TIMEOUT}
]
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = "polybot-test:channels"
CELERY_BROKER_URL = TEST_REDIS_URL
CELERY_RESULT_BACKEND = TEST_REDIS_URL
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Test-only templates (fragments the realtime tests push).
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "tests" / "templates"]  # noqa: F405
# Connections opened in sync_to_async threads must close, or the test
# database cannot be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
