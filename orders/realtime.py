"""Telling a user's open pages that their orders, fills or positions moved
(DESIGN §6: group ``user.<id>``). Pages swap the fragments by id."""

from __future__ import annotations

import logging

from accounts.models import User
from polybot.realtime import push_fragment, user_group
from portfolio import selectors

logger = logging.getLogger(__name__)


def account_changed(user_id: int) -> None:
    """Push the dashboard's stat cards and positions table (both are
    ``partialdef``s of the dashboard template, swapped by id)."""
    try:
        user = User.objects.get(pk=user_id)
        mode = user.trading_mode
        push_fragment(
            user_group(user_id),
            "portfolio/dashboard.html#stats-cards",
            {"stats": selectors.dashboard_stats(user=user, mode=mode)},
        )
        push_fragment(
            user_group(user_id),
            "portfolio/dashboard.html#positions",
            {"positions": selectors.position_list(user=user, mode=mode)[:10]},
        )
    except Exception:
        # A page that misses one push catches up on the next or by polling;
        # a trading write must never fail because a browser is away.
        logger.exception("could not push account update to user %s", user_id)
