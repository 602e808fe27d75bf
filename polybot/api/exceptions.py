"""DRF exception handler: every error becomes the error envelope with the
right status, and nothing — not even a bug — shows a stack trace."""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from polybot.api.envelope import error
from polybot.exceptions import ApplicationError

logger = logging.getLogger(__name__)

VALIDATION_ERROR = "The request is invalid."
INTERNAL_ERROR = (
    "Something went wrong on our side. The error has been logged with this request id."
)

# DRF's exceptions, with the codes our API documents. Checked in order with
# isinstance, so subclasses (a custom ValidationError) keep their family's code.
_CODES: tuple[tuple[type[drf.APIException], str], ...] = (
    (drf.ParseError, "malformed_request"),
    (drf.ValidationError, "validation_error"),
    (drf.NotAuthenticated, "unauthorized"),
    (drf.AuthenticationFailed, "unauthorized"),
    (drf.PermissionDenied, "forbidden"),
    (drf.NotFound, "not_found"),
    (drf.MethodNotAllowed, "method_not_allowed"),
    (drf.NotAcceptable, "not_acceptable"),
    (drf.UnsupportedMediaType, "unsupported_media_type"),
    (drf.Throttled, "rate_limited"),
)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    exc = _as_drf(exc)

    if isinstance(exc, ApplicationError):
        set_rollback()
        return Response(
            error(exc.message, exc.code, exc.details), status=exc.status_code
        )

    if isinstance(exc, drf.APIException):
        set_rollback()
        return _api_error(exc)

    # A bug. Log it with its trace; tell the client only that it happened.
    logger.exception("Unhandled API error", exc_info=exc)
    set_rollback()
    return Response(error(INTERNAL_ERROR, "internal_error"), status=500)


def _as_drf(exc: Exception) -> Exception:
    """Django's own exceptions, as DRF's. Their messages are not passed on:
    a 404's text could name what was looked up."""
    if isinstance(exc, Http404):
        return drf.NotFound()
    if isinstance(exc, PermissionDenied):
        return drf.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        return drf.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    return exc


def _api_error(exc: drf.APIException) -> Response:
    code = next(
        (code for family, code in _CODES if isinstance(exc, family)),
        str(exc.default_code),
    )
    headers: dict[str, str] = {}
    details: Any = {}
    status = exc.status_code
    message = _message_of(exc.detail)

    if isinstance(exc, drf.ValidationError):
        # Always an object keyed by field: a bare list of messages is about
        # the request as a whole, as DRF's own "non_field_errors" are.
        message = VALIDATION_ERROR
        details = (
            exc.detail
            if isinstance(exc.detail, dict)
            else {api_settings.NON_FIELD_ERRORS_KEY: exc.detail}
        )
    elif isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        # DRF turns these into a 403 when the first authenticator cannot name
        # a scheme; the API always says 401 and names Bearer.
        status = 401
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    elif isinstance(exc, drf.Throttled):
        retry_after = max(1, math.ceil(exc.wait)) if exc.wait is not None else 1
        headers["Retry-After"] = str(retry_after)
        details = {"retry_after": retry_after}

    return Response(error(message, code, details), status=status, headers=headers)


def _message_of(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _message_of(detail[0])
    if isinstance(detail, dict) and detail:
        return _message_of(next(iter(detail.values())))
    return str(detail)
