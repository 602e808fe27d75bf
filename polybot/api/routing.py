"""One URL, several DRF views, each answering its own HTTP methods.

STYLE R21 gives a resource's reads to a read-only ViewSet and each command to
its own ``APIView``, yet REST puts "list keys" and "create a key" on the same
URL. Django resolves a URL to one view, so :func:`by_method` builds that one
view and hands each request to the DRF view that owns its method.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from rest_framework.views import APIView

_COMMAND_METHODS = ("get", "post", "put", "patch", "delete")

View = Callable[..., HttpResponseBase]


def by_method(*views: View) -> View:
    """Route by HTTP method to DRF views made with ``as_view()``.

    Methods nobody owns go to the first view, so DRF still authenticates
    first (401 before 405) and answers with the error envelope; ``Allow``
    then lists the methods of all the views. ``HEAD`` follows ``GET``."""
    owners: dict[str, View] = {}
    for view in views:
        for method in _methods_of(view):
            if method in owners:
                raise ValueError(f"two views answer {method.upper()}")
            owners[method] = view
    if "get" in owners:
        owners["head"] = owners["get"]
    allow = ", ".join(sorted({m.upper() for m in owners} | {"OPTIONS"}))

    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        method = (request.method or "").lower()
        response = owners.get(method, views[0])(request, *args, **kwargs)
        response["Allow"] = allow
        return response

    # Named after its views, for resolver matches, logs and Sentry.
    dispatch.__name__ = dispatch.__qualname__ = "_or_".join(
        view.cls.__name__  # type: ignore[attr-defined]
        for view in views
    )
    dispatch.__module__ = views[0].__module__
    # Each DRF view does its own CSRF check (SessionAuthentication), so the
    # middleware's check must skip this wrapper as it skips the views.
    dispatch.csrf_exempt = True  # type: ignore[attr-defined]
    # What drf-spectacular needs to list this URL; polybot.api.schema's
    # preprocessing hook then puts each method's own view back.
    dispatch.cls = APIView  # type: ignore[attr-defined]
    dispatch.initkwargs = {}  # type: ignore[attr-defined]
    dispatch.actions = {m: m for m in owners if m != "head"}  # type: ignore[attr-defined]
    dispatch.views_by_method = owners  # type: ignore[attr-defined]
    return dispatch


def _methods_of(view: View) -> list[str]:
    actions = getattr(view, "actions", None)
    if actions is not None:  # a ViewSet: as_view({"get": "list"})
        return [m for m in actions if m != "head"]
    cls = getattr(view, "cls", None)
    if cls is None:
        raise TypeError(f"{view!r} is not a DRF view")
    return [m for m in _COMMAND_METHODS if hasattr(cls, m)]
