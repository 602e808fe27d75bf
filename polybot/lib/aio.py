"""Small asyncio helpers."""

from __future__ import annotations

import asyncio
import contextlib


async def wait_for_event(event: asyncio.Event, seconds: float) -> bool:
    """Sleep up to ``seconds``, waking early when ``event`` is set. Returns
    whether it is set: periodic loops use it as an interruptible sleep."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout=seconds)
    return event.is_set()
