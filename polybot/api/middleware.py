from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from djangorestframework_camel_case.middleware import CamelCaseMiddleWare
from djangorestframework_camel_case.settings import api_settings as camel_settings
from djangorestframework_camel_case.util import underscoreize

API_PREFIX = "/api/"


class CamelCaseQueryMiddleware(CamelCaseMiddleWare):
    """``?marketId=`` reaches API views as ``market_id``, as body keys do
    through the parser. Only under ``/api/``: HTML views keep their query
    strings as they are. snake_case keys pass through unchanged.

    Subclassing the package's middleware tells drf-spectacular's camelCase
    hook to document query parameters in camelCase too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX) and request.GET:
            query = underscoreize(request.GET, **camel_settings.JSON_UNDERSCOREIZE)
            query._mutable = False
            request.GET = query
        return self.get_response(request)
