"""pytest plugin: start the embedded PostgreSQL and Redis when the suite needs
them (their URLs unset), and stop at the end whatever this run started.

Registered with ``-p polybot.testing.embedded_plugin`` in pyproject, so
``make test`` needs nothing running beforehand. It runs in
``pytest_load_initial_conftests`` (before pytest-django loads settings) and
exports the URLs it chose, so settings see exactly the servers started here.
When the default port is held by something else (another checkout's demo, a
leftover server), the run takes a free port instead of failing.
"""

from __future__ import annotations

import os
import socket

import pytest

from polybot import embedded

_started: list[embedded.EmbeddedPostgres | embedded.EmbeddedRedis] = []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(service: embedded.EmbeddedPostgres | embedded.EmbeddedRedis) -> str:
    try:
        started = service.start()
    except embedded.EmbeddedServiceError:
        if not embedded.port_open(service.port):
            raise
        service = type(service)(port=_free_port())
        started = service.start()
    if started:
        _started.append(service)
    return service.url


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):  # workers use the controller's servers
        return
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = _start(embedded.EmbeddedPostgres())
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = _start(embedded.EmbeddedRedis())


def pytest_unconfigure(config: pytest.Config) -> None:
    while _started:
        _started.pop().stop()


def pytest_report_header(config: pytest.Config) -> str:
    return f"services: DATABASE_URL={os.environ.get('DATABASE_URL')} REDIS_URL={os.environ.get('REDIS_URL')}"
