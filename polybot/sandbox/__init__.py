"""The sandbox venue: a fake Polymarket on localhost that speaks the real
protocol (CLOB, Gamma, Data API, websockets), for the demo and end-to-end tests.

Django-free. ``create_app(config)`` builds the aiohttp application;
``start_sandbox(port=0, seed=...)`` runs one in the current loop and returns
its base URLs; ``SandboxThread`` runs one in a background thread.
"""

from __future__ import annotations

from polybot.sandbox.app import create_app
from polybot.sandbox.config import FaultConfig, SandboxConfig
from polybot.sandbox.server import (
    SandboxServer,
    SandboxThread,
    serve_forever,
    start_sandbox,
)
from polybot.sandbox.venue import Urls

__all__ = [
    "FaultConfig",
    "SandboxConfig",
    "SandboxServer",
    "SandboxThread",
    "Urls",
    "create_app",
    "serve_forever",
    "start_sandbox",
]
