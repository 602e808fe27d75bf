"""Log formatting: JSON in production, secrets redacted everywhere (DESIGN §9)."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from polybot.request_context import current_request_id

# Anything that looks like a private key, an API secret or a bearer token.
_SECRET_PATTERNS = [
    (re.compile(r"0x[0-9a-fA-F]{64}"), "0x[REDACTED-64]"),
    (re.compile(r"(?i)(authorization|bearer)\s*[:=]?\s*\S+"), r"\1 [REDACTED]"),
    (
        re.compile(
            r"(?i)((?:private_?key|secret|passphrase|password|api_?key|POLY_\w+)['\"]?\s*[:=]\s*['\"]?)[^'\"\s,}]+"
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
