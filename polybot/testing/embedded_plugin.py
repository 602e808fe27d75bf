"""pytest plugin: start the embedded PostgreSQL and Redis when the suite needs
them (their URLs unset), and stop at the end whatever this run started.

Registered with ``-p polybot.testing.embedded_plugin`` in pyproject, so
``make test`` needs nothing running beforehand.
"""

from __future__ import annotations

import pytest

from polybot import embedded

_started: list[str] = []


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):  # xdist workers use the controller's servers
        return
    _started.extend(embedded.start_needed())


def pytest_unconfigure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    for service in (embedded.EmbeddedRedis(), embedded.EmbeddedPostgres()):
        if service.name in _started:
            service.stop()
    _started.clear()


def pytest_report_header(config: pytest.Config) -> str:
    services = embedded.needed_services()
    if not services:
        return "services: DATABASE_URL and REDIS_URL from the environment"
    return "services: embedded " + ", ".join(f"{s.name} ({s.url})" for s in services)
