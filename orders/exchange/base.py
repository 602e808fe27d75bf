"""The one interface both gateways implement."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from orders.models import Order


@dataclass(frozen=True)
class CancelOutcome:
    cancelled: tuple[int, ...]  # our order ids the venue (or paper book) cancelled
    not_cancelled: dict[int, str] = field(default_factory=dict)  # id -> reason


class Gateway(ABC):
    mode: str

    @abstractmethod
    def submit(self, order_id: int) -> None:
        """Send one claimed (``submitting``) order and record the outcome."""

    def submit_batch(self, order_ids: Sequence[int]) -> None:
        for order_id in order_ids:
            self.submit(order_id)

    @abstractmethod
    def cancel(self, orders: Sequence[Order]) -> CancelOutcome:
        """Cancel orders that may be resting; marks the cancelled ones."""

    def cash_available(self) -> Decimal | None:
        """Spendable collateral the venue reports (live), or None (paper:
        the ledger knows)."""
        return None
