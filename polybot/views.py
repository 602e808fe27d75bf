"""Project-level views: health probes and the error pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from polybot.api.envelope import error
from polybot.heartbeat import COMPONENTS, heartbeat_read


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers. Checks nothing else on purpose."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready: the database and Redis answer and every process beats."""
    components: dict[str, dict[str, Any]] = {
        "database": _check(_database_ok),
        "redis": _check(_redis_ok),
    }
    redis_up = components["redis"]["ok"]
    for name in COMPONENTS:
        beat = heartbeat_read(name) if redis_up else None
        components[name] = {
            "ok": bool(beat and beat.ok),
            "lastSeen": beat.last_seen.isoformat() if beat and beat.last_seen else None,
            "ageSeconds": round(beat.age_seconds, 1)
            if beat and beat.age_seconds is not None
            else None,
        }
    ready = all(c["ok"] for c in components.values())
    return JsonResponse(
        {"status": "ready" if ready else "not_ready", "components": components,
         "staleAfterSeconds": settings.HEARTBEAT_STALE_AFTER},
        status=200 if ready else 503,
    )  # fmt: skip


def _check(probe: Any) -> dict[str, Any]:
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - a probe reports any failure
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def _database_ok() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _redis_ok() -> None:
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    client.ping()


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(
        "/api/"
    ) or "application/json" in request.headers.get("Accept", "")


def page_not_found(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error("Not found.", "not_found"), status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            error("Something went wrong on our side.", "internal_error"), status=500
        )
    # No request context: context processors query the database, which may be
    # what just failed.
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


def permission_denied(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            error("You do not have permission to do this.", "forbidden"), status=403
        )
    return render(request, "errors/403.html", status=403)


def bad_request(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error("Bad request.", "bad_request"), status=400)
    return render(request, "errors/400.html", status=400)
