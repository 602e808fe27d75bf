"""The gate users pass to switch to live trading (DESIGN §4 "Modes").

``accounts.services.user_set_trading_mode`` refuses live without the server
switch or a wallet that can sign. Users (the Settings page) come through
here first, so the venue is also asked whether that wallet can trade:
API credentials derived, pUSD on the funder, allowances granted.
"""

from __future__ import annotations

from django.conf import settings

from accounts.models import User
from accounts.selectors import wallet_active
from accounts.services import user_set_trading_mode
from accounts.venue_checks import wallet_checks
from polybot.exceptions import ApplicationError
from polybot.lib.types import TradingMode

LIVE_CHECKS_FAILED = "Live trading refused: the wallet checks did not pass."


def trading_mode_switch(*, user: User, mode: str) -> User:
    """Switch the user's trading mode. Live is refused with
    ``live_trading_disabled`` or ``live_needs_wallet`` as the service does,
    and with ``live_wallet_checks_failed`` (``details["problems"]`` lists
    what is missing) when the venue says the wallet cannot trade yet."""
    wants_live = mode == TradingMode.LIVE and not user.is_live
    if (
        wants_live
        and settings.LIVE_TRADING_ENABLED
        and wallet_active(user=user) is not None
    ):
        checks = wallet_checks(user=user)
        if not checks.ok:
            raise ApplicationError(
                LIVE_CHECKS_FAILED,
                code="live_wallet_checks_failed",
                details={"problems": [p.message for p in checks.problems]},
            )
    return user_set_trading_mode(user=user, mode=mode)
