"""End-to-end fixtures: a real sandbox venue on a free port, reached over real
HTTP and WebSocket connections by our own adapter (STYLE A3)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from polybot.polymarket.config import VenueConfig
from polybot.sandbox.config import SandboxConfig
from polybot.sandbox.server import SandboxThread

# A quiet venue: no simulated traders moving prices under the assertions, and
# settlement fast enough to watch MATCHED -> CONFIRMED in a test.
QUIET = SandboxConfig(
    seed=7,
    simulator_enabled=False,
    resolve_after=None,
    mined_after=0.2,
    confirmed_after=0.5,
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxThread]:
    thread = SandboxThread(QUIET).start()
    yield thread
    thread.stop()


@pytest.fixture
def venue_config(sandbox: SandboxThread) -> VenueConfig:
    urls = sandbox.urls
    return replace(VenueConfig(), clob_url=urls.clob, gamma_url=urls.gamma, data_url=urls.data, ws_url=urls.ws,
                   read_retries=0)  # fmt: skip


@pytest.fixture
def control(sandbox: SandboxThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.urls.control, timeout=10) as client:
        yield client
        client.delete("/faults")
        client.post("/ws/freeze", json={"frozen": False})
