"""The per-user trading lock.

Risk checks read balances, positions and open orders and then write an
order; fills write positions and cash. Doing either under a row lock on the
user's ``BotSettings`` serialises them per user, so two concurrent orders
cannot both spend the same balance. Always take this lock before any order
or position row lock, so lock order is the same everywhere.
"""

from __future__ import annotations

from accounts.models import BotSettings, User


def user_trading_lock(user: User | int) -> BotSettings:
    """Lock (and return) the user's settings row; call inside ``atomic``."""
    user_id = user if isinstance(user, int) else user.pk
    locked = BotSettings.objects.select_for_update()
    try:
        # The row nearly always exists: one query, not a lookup and a lock.
        return locked.get(user_id=user_id)
    except BotSettings.DoesNotExist:
        # get_or_create survives a concurrent first writer (savepoint).
        BotSettings.objects.get_or_create(user_id=user_id)
        return locked.get(user_id=user_id)
