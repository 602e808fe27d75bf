"""Portfolio tasks (queue ``default``), thin wrappers over ``portfolio``."""

from __future__ import annotations

from celery import shared_task

from polybot.lib.time import utc_now


@shared_task(name="portfolio.day_start_snapshots", ignore_result=True)
def portfolio_day_start_snapshots() -> int:
    """The daily-loss baseline of every active account, once a day, as soon
    after 00:00 UTC as the schedule runs it. Idempotent."""
    from portfolio.marks import day_start_snapshots_take

    return day_start_snapshots_take(now=utc_now())
