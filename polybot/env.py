"""The one place settings read the environment (STYLE R31).

``FileAwareEnv`` makes every ``X`` readable from ``X_FILE`` too, so Docker and
Kubernetes secrets work without extra code.
"""

from __future__ import annotations

import os

import environ

# An empty variable means "unset" (so the default applies), as when a copied
# .env.example leaves DATABASE_URL= blank. Only polybot's own names are touched.
_OWN_PREFIXES = ("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "ENCRYPTION_", "POLYBOT_",
                 "POLYMARKET_", "SENTRY_", "LOG_")  # fmt: skip
for _name in [
    n for n, v in os.environ.items() if v == "" and n.startswith(_OWN_PREFIXES)
]:
    del os.environ[_name]

env = environ.FileAwareEnv()
