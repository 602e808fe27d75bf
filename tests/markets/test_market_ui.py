"""Template filters of the sync strip: elapsed time and how long ago."""

from __future__ import annotations

from datetime import timedelta

import pytest

from markets.templatetags.market_ui import ago, duration
from polybot.lib.time import utc_now


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (42.9, "42 s"),
        (65, "1 min 05 s"),
        (3599, "59 min 59 s"),
        (3720, "1 h 02 min"),
        (-3, "0 s"),  # a worker's clock a little ahead of ours
    ],
)
def test_duration_reads_like_a_stopwatch(seconds: float, text: str) -> None:
    assert duration(timedelta(seconds=seconds)) == text


def test_duration_of_nothing_is_a_dash() -> None:
    assert duration(None) == "—"


def test_ago_says_just_now_under_a_minute() -> None:
    assert ago(utc_now() - timedelta(seconds=59)) == "just now"


def test_ago_counts_minutes_and_hours() -> None:
    assert ago(utc_now() - timedelta(minutes=5, seconds=10)) == "5\xa0minutes ago"
    assert ago(utc_now() - timedelta(hours=2, minutes=3)) == (
        "2\xa0hours, 3\xa0minutes ago"
    )


def test_ago_of_nothing_is_a_dash() -> None:
    assert ago("") == "—"
