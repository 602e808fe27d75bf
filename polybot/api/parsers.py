"""The one request body the API accepts: camelCase JSON (DESIGN §7)."""

from __future__ import annotations

import json
from typing import Any, NoReturn

from django.conf import settings
from djangorestframework_camel_case.settings import api_settings as camel_settings
from djangorestframework_camel_case.util import underscoreize
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser

from polybot.lib.jsonsafe import nesting_exceeds

JSON_INVALID = "The request body is not valid JSON: {reason}"
JSON_TOO_DEEP = "The request body is nested too deeply."
# No API body needs more; deeper is refused before decoding (polybot.lib.jsonsafe).
MAX_DEPTH = 64


class PayloadTooLarge(APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class JsonParser(BaseParser):
    """JSON with camelCase keys turned into snake_case for the serializers.

    Stricter than the camel-case package's parser, which it replaces: the body
    is capped at ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (DRF reads the stream
    directly, so Django's own cap never applies), ``NaN``/``Infinity`` are
    refused as they are not JSON, and absurdly deep nesting is a 400 rather
    than a ``RecursionError``."""

    media_type = "application/json"

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge()
        try:
            text = raw.decode(encoding)
            if nesting_exceeds(text, MAX_DEPTH):
                raise ParseError(JSON_TOO_DEEP)
            data = json.loads(text, parse_constant=_refuse_constant)
            return underscoreize(data, **camel_settings.JSON_UNDERSCOREIZE)
        except RecursionError as exc:
            raise ParseError(JSON_TOO_DEEP) from exc
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            raise ParseError(JSON_INVALID.format(reason=exc)) from exc


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON value")
