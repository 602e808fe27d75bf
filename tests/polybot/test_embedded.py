"""The embedded servers start and stop idempotently (real processes, own ports)."""

from __future__ import annotations

import socket
from pathlib import Path

import psycopg
import pytest

from polybot import embedded


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _redis_ping(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        conn.sendall(b"PING\r\n")
        return conn.recv(16)


def test_it_starts_redis_once_and_stops_it_cleanly(tmp_path: Path) -> None:
    redis = embedded.EmbeddedRedis(var_dir=tmp_path, port=_free_port())
    try:
        assert redis.start() is True
        assert redis.start() is False  # idempotent: already running
        assert redis.status().running is True
        assert _redis_ping(redis.port) == b"+PONG\r\n"
    finally:
        assert redis.stop() is True
    assert redis.stop() is False
    assert redis.status().running is False
    assert not redis.pid_file.exists()


def test_it_starts_postgres_once_with_the_polybot_database(tmp_path: Path) -> None:
    postgres = embedded.EmbeddedPostgres(var_dir=tmp_path, port=_free_port())
    try:
        assert postgres.start() is True
        assert postgres.start() is False
        with psycopg.connect(postgres.url) as conn:
            version = conn.execute("SHOW server_version").fetchone()
        assert version is not None and version[0].startswith("16.")
    finally:
        assert postgres.stop() is True
    assert postgres.stop() is False
    assert postgres.status().running is False


def test_it_restarts_postgres_keeping_its_data(tmp_path: Path) -> None:
    postgres = embedded.EmbeddedPostgres(var_dir=tmp_path, port=_free_port())
    try:
        postgres.start()
        with psycopg.connect(postgres.url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (n int)")
            conn.execute("INSERT INTO kept VALUES (42)")
        postgres.stop()
        assert postgres.start() is True
        with psycopg.connect(postgres.url) as conn:
            assert conn.execute("SELECT n FROM kept").fetchone() == (42,)
    finally:
        postgres.stop()


def test_it_refuses_a_port_held_by_another_process(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        redis = embedded.EmbeddedRedis(var_dir=tmp_path, port=port)
        with pytest.raises(
            embedded.EmbeddedServiceError, match=f"port {port} is taken"
        ):
            redis.start()


def test_it_needs_only_the_servers_whose_url_is_unset() -> None:
    names = lambda env: [s.name for s in embedded.needed_services(env)]  # noqa: E731
    assert names({}) == ["postgres", "redis"]
    assert names({"DATABASE_URL": "postgres://db/x"}) == ["redis"]
    assert names({"REDIS_URL": "redis://r:6379/0"}) == ["postgres"]
    assert names({"DATABASE_URL": "postgres://db/x", "REDIS_URL": "redis://r/0"}) == []
