from __future__ import annotations

import json
import logging

from polybot.logging import JsonFormatter, RedactSecretsFilter, RequestIdFilter, redact
from polybot.request_context import request_id_var


def test_it_redacts_private_keys_and_secrets() -> None:
    key = "0x" + "ab" * 32
    assert redact(f"signing with {key}") == "signing with 0x[REDACTED-64]"
    assert (
        redact("api_secret=abc123 passphrase: hunter2")
        == "api_secret=[REDACTED] passphrase: [REDACTED]"
    )
    assert (
        redact("Authorization: Bearer pb_1234abcd_zzzzzzzzzzzzzzzzzzzzzzzz")
        == "Authorization [REDACTED]"
    )


def test_it_writes_json_with_the_request_id_and_no_secret() -> None:
    record = logging.LogRecord(
        "polybot", logging.INFO, __file__, 1, "key %s", ("0x" + "cd" * 32,), None
    )
    token = request_id_var.set("req-42")
    try:
        RequestIdFilter().filter(record)
        RedactSecretsFilter().filter(record)
    finally:
        request_id_var.reset(token)
    payload = json.loads(JsonFormatter().format(record))
    assert payload["message"] == "key 0x[REDACTED-64]"
    assert payload["request_id"] == "req-42"
    assert payload["level"] == "INFO"


def test_it_takes_the_request_id_from_the_record_when_the_context_is_gone() -> None:
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found", (), None
    )
    record.request = type("Req", (), {"request_id": "abc123"})()
    RequestIdFilter().filter(record)
    assert record.request_id == "abc123"


def test_it_redacts_bare_keys_bearer_tokens_and_quoted_values_with_spaces() -> None:
    assert redact("pk=" + "ab" * 32) == "pk=[REDACTED-64]"
    assert (
        redact("Authorization: Bearer abcdefghijkl rest")
        == "Authorization [REDACTED] rest"
    )
    assert (
        redact("{'POLY_PASSPHRASE': 'abc def', 'x': 1}")
        == "{'POLY_PASSPHRASE': '[REDACTED]', 'x': 1}"
    )


def test_sentry_events_are_redacted_throughout() -> None:
    from polybot.logging import sentry_before_send

    event = {
        "message": "key 0x" + "ef" * 32,
        "extra": {"args": ["passphrase=hunter2", 3]},
    }
    assert sentry_before_send(event) == {
        "message": "key 0x[REDACTED-64]",
        "extra": {"args": ["passphrase=[REDACTED]", 3]},
    }
