"""Markets fixtures: a tiny local CLOB for the price history, and no venue at
all by default, so no test here can reach the real network (STYLE R36)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "polymarket"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def _no_venue(settings: Any) -> None:
    # Nothing listens here: a venue read fails at once (connection refused),
    # and the price history falls back to local snapshots.
    settings.POLYMARKET_CLOB_URL = f"http://127.0.0.1:{_closed_port()}"


@dataclass
class FakeClob:
    """What the fake answers and what it was asked."""

    url: str = ""
    status: int = 200
    body: Any = field(
        default_factory=lambda: json.loads(
            (FIXTURES / "clob-prices-history.json").read_text()
        )
    )
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)


@pytest.fixture
def fake_clob(settings: Any) -> Iterator[FakeClob]:
    """A real HTTP server on 127.0.0.1 answering ``GET /prices-history``
    with ``body`` (the recorded fixture unless a test changes it), and the
    CLOB URL pointed at it."""
    fake = FakeClob()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            fake.requests.append((parts.path, query))
            payload = json.dumps(fake.body).encode()
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.POLYMARKET_CLOB_URL = fake.url
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
