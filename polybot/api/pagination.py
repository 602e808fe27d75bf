from __future__ import annotations

import math
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

MAX_LIMIT = 100


class PagePagination(PageNumberPagination):
    """``?page=&limit=`` (limit ≤ 100) into ``{"data": [...], "pagination": {...}}``.

    Bad values are a 400, not a silent fallback, so a script learns at once."""

    page_query_param = "page"
    page_size_query_param = "limit"
    max_page_size = MAX_LIMIT

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        self._validate(request)
        return super().paginate_queryset(queryset, request, view)

    def _validate(self, request: Any) -> None:
        errors: dict[str, list[str]] = {}
        for name, upper in (("page", None), ("limit", MAX_LIMIT)):
            raw = request.query_params.get(name)
            if raw is None:
                continue
            if not raw.isdigit() or int(raw) < 1:
                errors[name] = ["Must be a positive integer."]
            elif upper is not None and int(raw) > upper:
                errors[name] = [f"Must be at most {upper}."]
        if errors:
            raise ValidationError(errors)

    def get_paginated_response(self, data: Any) -> Response:
        assert self.page is not None
        limit = self.page.paginator.per_page
        total = self.page.paginator.count
        return Response(
            {
                "data": data,
                "pagination": {
                    "page": self.page.number,
                    "limit": limit,
                    "total": total,
                    "total_pages": max(1, math.ceil(total / limit)) if limit else 1,
                },
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {
                "data": schema,
                "pagination": {
                    "type": "object",
                    "properties": {
                        k: {"type": "integer"}
                        for k in ("page", "limit", "total", "totalPages")
                    },
                },
            },
        }
