"""The API's success and error envelopes (DESIGN §7)."""

from __future__ import annotations

from typing import Any

from polybot.lib.time import utc_now
from polybot.request_context import current_request_id


def success(data: Any) -> dict[str, Any]:
    return {
        "success": True,
        "data": data,
        "requestId": current_request_id(),
        "timestamp": _now(),
    }


def error(message: str, code: str, details: Any = None) -> dict[str, Any]:
    return {
        "success": False,
        "error": message,
        "code": code,
        "details": details if details is not None else {},
        "requestId": current_request_id(),
        "timestamp": _now(),
    }


def is_envelope(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("success"), bool)
        and "requestId" in data
    )


def _now() -> str:
    return utc_now().isoformat().replace("+00:00", "Z")
