"""OpenAPI generation (drf-spectacular): names, auth schemes and the envelope.

The schema documents what a client really receives, so every JSON response is
wrapped in the success envelope and the error responses share one component.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

API_V1 = "/api/v1/"
ERROR_COMPONENT = "ErrorEnvelope"
_JSON = "application/json"
_DIGITS = {"type": "string", "pattern": "^[0-9]+$"}


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        """Nested serializers (STYLE R21) are named after their view, so
        ``OrderPlaceApi.InputSerializer`` becomes ``OrderPlaceInput`` and
        the many ``OutputSerializer`` classes do not collide."""
        outer, _, inner = type(serializer).__qualname__.rpartition(".")
        if not outer or "<locals>" in outer:
            return super().get_serializer_name(serializer, direction)
        owner = outer.rpartition(".")[2]
        for suffix in ("ViewSet", "Api"):
            owner = owner.removesuffix(suffix)
        return owner + inner


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from Settings: `Authorization: Bearer pb_…`. "
            "Keys with the `read` scope may only GET; writes need `trade`.",
        }


def preprocess_endpoints(endpoints: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Document ``/api/v1/`` once (the unversioned ``/api/`` is an alias),
    without trailing slashes, and give each method of a
    :func:`polybot.api.routing.by_method` URL its own view."""
    result = []
    for path, path_regex, method, callback in endpoints:
        if not path.startswith(API_V1):
            continue
        views = getattr(callback, "views_by_method", None)
        if views is not None:
            callback = views[method.lower()]
        # Routes take an optional trailing slash; document them without.
        result.append((path.rstrip("/"), path_regex, method, callback))
    return result


def postprocess_schema(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Wrap every JSON success body in the envelope, add the error responses
    each operation can give, and call numeric ids integers."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = (
        _ERROR_SCHEMA
    )
    error_ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                # Ids are matched by [0-9]+ in the URL; say "integer".
                if parameter["in"] == "path" and parameter["schema"] == _DIGITS:
                    parameter["schema"] = {"type": "integer", "minimum": 1}
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                content = response.get("content", {}).get(_JSON)
                if status.startswith("2") and content and "schema" in content:
                    content["schema"] = _success_schema(content["schema"])
            for status, description in _errors_for(path, operation):
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {_JSON: {"schema": error_ref}},
                    },
                )
    return result


def _errors_for(path: str, operation: dict[str, Any]) -> list[tuple[str, str]]:
    errors = []
    if "requestBody" in operation or operation.get("parameters"):
        errors.append(
            ("400", "Invalid input (`validation_error`, `malformed_request`).")
        )
    errors.append(("401", "Missing, invalid or revoked credentials (`unauthorized`)."))
    errors.append(("403", "Not allowed, e.g. a read-only API key (`forbidden`)."))
    if "{" in path:
        errors.append(("404", "No such object, or not yours (`not_found`)."))
    errors.append(("429", "Rate limited (`rate_limited`); see `Retry-After`."))
    return errors


def _success_schema(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["success", "data", "requestId", "timestamp"],
        "properties": {
            "success": {"type": "boolean", "enum": [True]},
            "data": data,
            "requestId": {"type": "string"},
            "timestamp": {"type": "string", "format": "date-time"},
        },
    }


_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["success", "error", "code", "details", "requestId", "timestamp"],
    "properties": {
        "success": {"type": "boolean", "enum": [False]},
        "error": {"type": "string", "description": "A message for people."},
        "code": {
            "type": "string",
            "description": "A stable code for programs, e.g. `validation_error`.",
        },
        "details": {
            "type": "object",
            "additionalProperties": True,
            "description": "For `validation_error`, the messages by field.",
        },
        "requestId": {"type": "string"},
        "timestamp": {"type": "string", "format": "date-time"},
    },
}
