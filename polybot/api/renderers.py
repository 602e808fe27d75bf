from __future__ import annotations

from typing import Any

from djangorestframework_camel_case.render import CamelCaseJSONRenderer

from polybot.api.envelope import is_envelope, success


class EnvelopeRenderer(CamelCaseJSONRenderer):
    """camelCase JSON, wrapped in the success envelope unless the exception
    handler already produced the error envelope."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Any = None,
    ) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code == 204:
            return b""
        if not is_envelope(data):
            data = success(data)
        return super().render(data, accepted_media_type, renderer_context)
