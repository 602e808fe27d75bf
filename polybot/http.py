"""Typed requests for views (STYLE R17)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from accounts.models import User


class AuthedRequest(HttpRequest):
    user: User
    request_id: str


class HtmxRequest(AuthedRequest):
    htmx: HtmxDetails
