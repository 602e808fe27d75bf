"""DRF exception handler: every error becomes the error envelope with the
right status, and nothing — not even a bug — shows a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from polybot.api.envelope import error
from polybot.exceptions import ApplicationError

logger = logging.getLogger(__name__)

# DRF's default codes, renamed to the ones our API documents.
_CODES: dict[type[drf.APIException], tuple[str, str | None]] = {
    drf.ParseError: ("malformed_request", None),
    drf.ValidationError: ("validation_error", "The request is invalid."),
    drf.NotAuthenticated: ("unauthorized", None),
    drf.AuthenticationFailed: ("unauthorized", None),
    drf.PermissionDenied: ("forbidden", None),
    drf.NotFound: ("not_found", None),
    drf.MethodNotAllowed: ("method_not_allowed", None),
    drf.NotAcceptable: ("not_acceptable", None),
    drf.UnsupportedMediaType: ("unsupported_media_type", None),
    drf.Throttled: ("rate_limited", None),
}

INTERNAL_ERROR = (
    "Something went wrong on our side. The error has been logged with this request id."
)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = drf.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )

    if isinstance(exc, ApplicationError):
        set_rollback()
        return Response(
            error(exc.message, exc.code, exc.details), status=exc.status_code
        )

    if isinstance(exc, drf.APIException):
        set_rollback()
        code, fixed_message = _CODES.get(type(exc), (str(exc.default_code), None))
        headers: dict[str, str] = {}
        if isinstance(exc, drf.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait) + 1)
        if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
            headers["WWW-Authenticate"] = 'Bearer realm="api"'
            exc.status_code = 401
        details: Any = exc.detail if isinstance(exc, drf.ValidationError) else {}
        message = fixed_message or _message_of(exc.detail)
        return Response(
            error(message, code, details), status=exc.status_code, headers=headers
        )

    # A bug. Log it with its trace; tell the client only that it happened.
    logger.exception("Unhandled API error")
    set_rollback()
    return Response(error(INTERNAL_ERROR, "internal_error"), status=500)


def _message_of(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return str(detail[0])
    if isinstance(detail, dict) and detail:
        return _message_of(next(iter(detail.values())))
    return str(detail)
