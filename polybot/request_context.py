"""The current request id, visible to logs, the API envelope and the audit log.

A ContextVar works for both sync views and async consumers.
"""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


def current_request_id() -> str:
    return request_id_var.get()
