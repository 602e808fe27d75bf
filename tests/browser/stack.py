"""The whole product as `make demo` runs it, started for the browser test:
the sandbox venue, a catalogue sync from it, daphne (web and sockets), a
Celery worker and the stream process, on free ports, against a database and
a Redis database of their own that are thrown away afterwards.

Nothing here is faked: the browser talks to daphne over HTTP and WebSocket,
orders go through the worker, paper fills come from the stream's books, and
the venue is the sandbox over real HTTP and WebSocket.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOG_DIR = ROOT / "var" / "log" / "browser"
DEMO_USER, DEMO_PASSWORD = "demo", "polybot-demo"
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    base_url: str
    database_url: str
    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    log_files: list[IO[bytes]] = field(default_factory=list)

    def logs(self) -> str:
        """Every process's log tail: what a failing test prints."""
        parts = []
        for path in sorted(LOG_DIR.glob("*.log")):
            tail = path.read_text(errors="replace").splitlines()[-40:]
            parts.append(f"--- {path.name}\n" + "\n".join(tail))
        return "\n".join(parts)


def _database_urls() -> tuple[str, str]:
    """A fresh database on the server the test settings use, and the
    server's maintenance database to create and drop it from."""
    db = settings.DATABASES["default"]
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    server = f"postgres://{auth}@{host}:{port}"
    name = f"polybot_browser_{uuid.uuid4().hex[:8]}"
    return f"{server}/{name}", f"{server}/postgres"


def _redis_url() -> str:
    """An empty Redis database of its own (the stack's worker must not pick
    up another run's queued tasks), never one something else is using."""
    import redis

    parts = urlsplit(settings.REDIS_URL)
    configured = os.environ.get("POLYBOT_BROWSER_REDIS_DB")
    # Never the test run's own database: its fixtures flush it between tests.
    own = int(urlsplit(settings.TEST_REDIS_URL).path.lstrip("/") or 0)
    candidates = (
        [int(configured)]
        if configured
        else [n for n in (9, 1, 2, 3, 4, 5, 6) if n != own]
    )
    for number in candidates:
        url = urlunsplit(parts._replace(path=f"/{number}"))
        if redis.Redis.from_url(url).dbsize() == 0:
            return url
    raise RuntimeError(
        f"no empty Redis database among {candidates} on {settings.REDIS_URL}; "
        "set POLYBOT_BROWSER_REDIS_DB to one the browser test may use and empty"
    )


def _run(args: list[str], env: dict[str, str], log: str) -> None:
    with open(LOG_DIR / log, "ab") as out:
        subprocess.run(args, env=env, cwd=ROOT, stdout=out, stderr=out, check=True)


def _wait_for(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer {url} within {START_TIMEOUT:.0f} s")


@contextmanager
def running_stack() -> Iterator[Stack]:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    for old in LOG_DIR.glob("*.log"):
        old.unlink()
    database_url, maintenance_url = _database_urls()
    name = urlsplit(database_url).path.lstrip("/")
    redis_url = _redis_url()
    sandbox_port, web_port = free_port(), free_port()
    venue = f"127.0.0.1:{sandbox_port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "polybot.settings.dev",
        "DJANGO_DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "POLYMARKET_CLOB_URL": f"http://{venue}/clob",
        "POLYMARKET_GAMMA_URL": f"http://{venue}/gamma",
        "POLYMARKET_DATA_URL": f"http://{venue}/data-api",
        "POLYMARKET_WS_URL": f"ws://{venue}/ws",
        "POLYBOT_STREAM_WATCH_ALL_UP_TO": "500",
    }
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    stack = Stack(
        base_url=f"http://127.0.0.1:{web_port}", database_url=database_url, env=env
    )
    python = str(BIN / "python")
    try:
        _run([python, "manage.py", "migrate", "--noinput"], env, "setup.log")
        _run([python, "manage.py", "demo_setup"], env, "setup.log")
        sandbox = _start(
            stack,
            "sandbox",
            [python, "manage.py", "sandbox_venue", "--seed", "1",
             "--port", str(sandbox_port)],
        )  # fmt: skip
        _wait_for(f"http://{venue}/clob/ok", sandbox, "the sandbox venue")
        _run([python, "manage.py", "sync_markets", "--full"], env, "setup.log")
        web = _start(
            stack,
            "web",
            [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(web_port),
             "polybot.asgi:application"],
        )  # fmt: skip
        _start(
            stack,
            "worker",
            [str(BIN / "celery"), "-A", "polybot", "worker",
             "-Q", "default,sync,strategies,orders", "--concurrency=2",
             "--loglevel=INFO"],
        )  # fmt: skip
        _start(
            stack,
            "heartbeat",
            [str(BIN / "celery"), "-A", "polybot", "worker", "-Q", "heartbeat",
             "--pool=solo", "-n", "heartbeat@%h", "--loglevel=INFO"],
        )  # fmt: skip
        _start(stack, "stream", [python, "manage.py", "stream"])
        _wait_for(f"{stack.base_url}/healthz", web, "daphne")
        yield stack
    finally:
        for process in reversed(stack.processes):
            process.terminate()
        for process in stack.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in stack.log_files:
            log.close()
        with psycopg.connect(maintenance_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        import redis

        redis.Redis.from_url(redis_url).flushdb()  # ours alone: found empty


def _start(stack: Stack, name: str, args: list[str]) -> subprocess.Popen[bytes]:
    out = open(LOG_DIR / f"{name}.log", "ab")  # noqa: SIM115 (closed at teardown)
    stack.log_files.append(out)
    process = subprocess.Popen(
        args, env=stack.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
    )
    stack.processes.append(process)
    return process
