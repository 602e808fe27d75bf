"""Bench setup: Django on a database of its own in the embedded (or given)
PostgreSQL, migrated from scratch, so a benchmark never touches dev data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(database: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polybot.settings.test")
    from polybot import embedded

    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        embedded.start_needed()
    base = os.environ.get("DATABASE_URL") or embedded.DEFAULT_DATABASE_URL
    admin_url = base.rsplit("/", 1)[0] + "/postgres"
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + f"/{database}"
    os.environ.setdefault("REDIS_URL", embedded.DEFAULT_REDIS_URL)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
