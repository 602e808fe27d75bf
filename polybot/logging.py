"""Log formatting: JSON in production, secrets redacted everywhere (DESIGN §9)."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from polybot.request_context import current_request_id

# Anything that looks like a private key, an API secret or a bearer token.
_SECRET_PATTERNS = [
    (re.compile(r"0x[0-9a-fA-F]{64}"), "0x[REDACTED-64]"),
    # A private key written without its 0x prefix.
    (re.compile(r"\b[0-9a-fA-F]{64}\b"), "[REDACTED-64]"),
    # "Authorization: Bearer <token>" and "bearer <token>": the token goes too.
    (
        re.compile(r"(?i)(authorization|bearer)\s*[:=]?\s*(?:bearer\s+)?\S+"),
        r"\1 [REDACTED]",
    ),
    # key = 'quoted value, spaces and all'
    (
        re.compile(
            r"(?i)((?:private_?key|secret|passphrase|password|api_?key|POLY_\w+)['\"]?\s*[:=]\s*)(['\"])(?:(?!\2).)*\2"
        ),
        r"\1\2[REDACTED]\2",
    ),
    # key = unquoted_value
    (
        re.compile(
            r"(?i)((?:private_?key|secret|passphrase|password|api_?key|POLY_\w+)['\"]?\s*[:=]\s*)(?!['\"])[^\s,}]+"
        ),
        r"\1[REDACTED]",
    ),
    (re.compile(r"pb_[A-Za-z0-9_\-]{20,}"), "pb_[REDACTED]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_request_id()
        if request_id == "-":
            # django.request logs after the middleware has reset the context
            # var, but it attaches the request itself to the record.
            request_id = getattr(getattr(record, "request", None), "request_id", "-")
        record.request_id = request_id
        return True


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(
                logging.Formatter().formatException(record.exc_info)
            )
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            payload["exc"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            payload["exc"] = record.exc_text
        return json.dumps(payload, default=str)


def sentry_before_send(event: Any, hint: Any = None) -> Any:
    """Redact every string in a Sentry event or breadcrumb, as the logs are."""
    return _redact_tree(event)


def _redact_tree(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_tree(item) for item in value)
    return value
