"""Create the demo user for `make demo`. Idempotent: running it again resets
the demo password. Markets come from the sandbox venue's catalogue, synced by
``make demo`` after the sandbox starts."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand

from accounts.models import User
from accounts.selectors import bot_settings_get

DEMO_USERNAME = "demo"


class Command(BaseCommand):
    help = "Create (or reset) the demo user."

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("POLYBOT_DEMO_PASSWORD", "polybot-demo")
        user, created = User.objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={"display_name": "Demo Trader", "email": "demo@example.org"},
        )
        user.set_password(password)
        # Staff so the demo shows the admin too; a real install creates its own users.
        user.is_staff = True
        user.is_superuser = True
        user.save()
        bot_settings_get(user=user)
        self.stdout.write(
            self.style.SUCCESS(f"Demo user {'created' if created else 'updated'}.")
        )
        self.stdout.write(f"  username: {DEMO_USERNAME}\n  password: {password}")
