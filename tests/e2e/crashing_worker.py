"""A process that places one live order and is killed (SIGKILL, no cleanup,
no exception handlers) at a submission checkpoint. Run by the exactly-once
tests against their committed test database and a running sandbox:

    python -m tests.e2e.crashing_worker USER_ID MARKET_ID TOKEN_ID CHECKPOINT

Settings come from the environment the test hands over (database, venue
URLs, live trading enabled); Celery runs eagerly, so the submission runs
in this process right after the order commits, as in a worker.
"""

from __future__ import annotations

import os
import signal
import sys
from decimal import Decimal

KILLED_TOO_LATE = 3


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polybot.settings.test")
    import django

    django.setup()
    from accounts.models import User
    from orders.services import OrderRequest, order_place
    from orders.submission import CHECKPOINT_HOOKS

    user_id, market_id, token_id, checkpoint = sys.argv[1:5]

    def die(name: str, order_id: int) -> None:
        if name == checkpoint:
            os.kill(os.getpid(), signal.SIGKILL)

    CHECKPOINT_HOOKS.append(die)
    order_place(
        user=User.objects.get(pk=int(user_id)),
        request=OrderRequest(
            market_id=int(market_id),
            token_id=token_id,
            side="BUY",
            price=Decimal("0.30"),
            size=Decimal("10"),
        ),
    )
    sys.exit(KILLED_TOO_LATE)  # the checkpoint never came


if __name__ == "__main__":
    main()
