"""Per-wallet pUSD and outcome-token balances, with what open orders hold back.

A BUY that rests reserves ``price * remaining`` pUSD; a SELL reserves its
remaining tokens. ``available = balance - reserved`` is what a new order may use.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal(0)


@dataclass
class Wallet:
    address: str
    collateral: Decimal
    collateral_reserved: Decimal = ZERO
    tokens: defaultdict[str, Decimal] = field(
        default_factory=lambda: defaultdict(Decimal)
    )
    tokens_reserved: defaultdict[str, Decimal] = field(
        default_factory=lambda: defaultdict(Decimal)
    )

    @property
    def available_collateral(self) -> Decimal:
        return self.collateral - self.collateral_reserved

    def available_tokens(self, token_id: str) -> Decimal:
        return self.tokens[token_id] - self.tokens_reserved[token_id]


class Ledger:
    def __init__(self, starting_balance: Decimal) -> None:
        self.starting_balance = starting_balance
        self._wallets: dict[str, Wallet] = {}

    def wallet(self, address: str) -> Wallet:
        """The wallet of ``address``; one the venue has never seen starts funded."""
        key = address.lower()
        found = self._wallets.get(key)
        if found is None:
            found = self._wallets[key] = Wallet(
                address=key, collateral=self.starting_balance
            )
        return found

    def __contains__(self, address: str) -> bool:
        return address.lower() in self._wallets

    def fund(
        self, address: str, amount: Decimal, token_id: str | None = None
    ) -> Wallet:
        wallet = self.wallet(address)
        if token_id is None:
            wallet.collateral += amount
        else:
            wallet.tokens[token_id] += amount
        return wallet
