from __future__ import annotations

import re
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

MAX_LIMIT = 100
NOT_A_POSITIVE_INTEGER = "Must be a positive integer."
LIMIT_TOO_LARGE = f"Must be at most {MAX_LIMIT}."

# ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
_POSITIVE_INTEGER = re.compile(r"[0-9]{1,9}")


class PagePagination(PageNumberPagination):
    """``?page=&limit=`` (limit ≤ 100) into ``{"data": [...], "pagination": {...}}``.

    Bad values are a 400, not a silent fallback, so a script learns at once.
    A page past the end is a 404 (DRF's behaviour)."""

    page_query_param = "page"
    page_size_query_param = "limit"
    max_page_size = MAX_LIMIT

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        self._validate(request)
        return super().paginate_queryset(queryset, request, view)

    def _validate(self, request: Any) -> None:
        errors: dict[str, list[str]] = {}
        for name in (self.page_query_param, self.page_size_query_param):
            raw = request.query_params.get(name)
            if raw is None:
                continue
            if not _POSITIVE_INTEGER.fullmatch(raw) or int(raw) < 1:
                errors[name] = [NOT_A_POSITIVE_INTEGER]
            elif name == self.page_size_query_param and int(raw) > MAX_LIMIT:
                errors[name] = [LIMIT_TOO_LARGE]
        if errors:
            raise ValidationError(errors)

    def get_paginated_response(self, data: Any) -> Response:
        assert self.page is not None
        paginator = self.page.paginator
        return Response(
            {
                "data": data,
                "pagination": {
                    "page": self.page.number,
                    "limit": paginator.per_page,
                    "total": paginator.count,
                    # Django's count: an empty list still has its one page.
                    "total_pages": paginator.num_pages,
                },
            }
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": MAX_LIMIT},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["data", "pagination"],
            "properties": {
                "data": schema,
                "pagination": {
                    "type": "object",
                    "required": ["page", "limit", "total", "totalPages"],
                    "properties": {
                        "page": {"type": "integer", "example": 1},
                        "limit": {"type": "integer", "example": 20},
                        "total": {"type": "integer", "example": 57},
                        "totalPages": {"type": "integer", "example": 3},
                    },
                },
            },
        }
