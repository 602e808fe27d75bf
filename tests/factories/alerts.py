from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from alerts.models import Alert, Notification
from tests.factories.accounts import UserFactory


class AlertFactory(DjangoModelFactory[Alert]):
    class Meta:
        model = Alert

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Alert {n}")
    kind = "fill"


class NotificationFactory(DjangoModelFactory[Notification]):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Notification {n}")
