from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import BotSettings, User

pytestmark = pytest.mark.django_db


def test_it_creates_the_demo_user_idempotently(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLYBOT_DEMO_PASSWORD", "s3cret-demo")
    out = StringIO()
    call_command("demo_setup", stdout=out)
    call_command("demo_setup", stdout=StringIO())

    user = User.objects.get(username="demo")
    assert user.check_password("s3cret-demo")
    assert user.is_staff and user.is_superuser
    assert BotSettings.objects.filter(user=user).count() == 1
    assert "username: demo\n  password: s3cret-demo" in out.getvalue()
