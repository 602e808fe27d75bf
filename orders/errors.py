"""Errors of the order services, each carrying what the user must see."""

from __future__ import annotations

from collections.abc import Sequence

from orders.risk import RiskViolation
from polybot.exceptions import ApplicationError, ConflictError

ORDER_REJECTED = "The order was rejected: {reasons}"


class OrderRejectedError(ApplicationError):
    """An order that failed validation or a risk rule. Nothing was persisted
    and nothing was sent; ``violations`` say why, each with the field it
    concerns so a form can show it in place."""

    status_code = 400
    code = "order_rejected"

    def __init__(self, violations: Sequence[RiskViolation]) -> None:
        self.violations = tuple(violations)
        reasons = "; ".join(v.message for v in self.violations)
        super().__init__(
            ORDER_REJECTED.format(reasons=reasons),
            details=[
                {"code": v.code, "message": v.message, "field": v.field}
                for v in self.violations
            ],
        )


class OrderNotCancellableError(ConflictError):
    code = "order_not_cancellable"
