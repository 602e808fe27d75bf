"""Every knob of the sandbox in one frozen dataclass.

Defaults imitate the real venue; tests shrink the timings (settlement,
heartbeats, GTD threshold) and switch the simulator off or step it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class FaultConfig:
    """Faults active from the start (CLI flags); the control endpoint changes them later."""

    http_429_share: float = 0.0
    http_5xx_share: float = 0.0
    http_5xx_status: int = 503
    retry_after_seconds: int = 1
    latency_ms: int = 0
    # Periodic websocket faults for demos: every N seconds drop / freeze the open sockets.
    ws_drop_every: float | None = None
    ws_freeze_every: float | None = None


@dataclass(frozen=True)
class SandboxConfig:
    seed: int = 1
    chain_id: int = 137
    # A wallet the venue has never seen starts with this much pUSD.
    starting_balance: Decimal = Decimal("10000")
    # Trades go MATCHED -> MINED -> CONFIRMED this many seconds after the match.
    mined_after: float = 1.0
    confirmed_after: float = 3.0
    # Once a wallet sends a heartbeat, missing one for this long cancels its orders.
    heartbeat_timeout: float = 10.0
    # L1/L2 timestamps further than this from the server clock are refused (401).
    auth_max_skew: float = 30.0
    # GTD orders effectively expire this long before their ``expiration`` (API.md §5.1).
    gtd_security_seconds: float = 60.0
    # Time-based work (settlement, GTD expiry, heartbeats, resolution) runs this often.
    maintenance_interval: float = 0.1
    # Simulated market place.
    simulator_enabled: bool = True
    simulator_interval: float = 1.0
    # One market resolves this many seconds after start (None: never on its own).
    resolve_after: float | None = 180.0
    history_days: int = 30
    # Page sizes of cursor-paginated CLOB lists.
    orders_page_size: int = 100
    trades_page_size: int = 100
    faults: FaultConfig = field(default_factory=FaultConfig)
