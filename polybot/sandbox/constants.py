"""Fixed facts of the venue the sandbox imitates (API.md §3, §4.3, §5)."""

from __future__ import annotations

from decimal import Decimal

# Contract addresses on Polygon (API.md §4.3). Orders are signed against the
# standard exchange, or the neg-risk one for neg-risk markets.
EXCHANGE_V2 = "0xE111180000d2663C0091e4f400237545B87B996B"
NEG_RISK_EXCHANGE_V2 = "0xe2222d279d744050d28e00520010520000310F59"
NEG_RISK_ADAPTER = "0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296"
COLLATERAL_ADAPTER = "0xAdA100Db00Ca00073811820692005400218FcE1f"
NEG_RISK_COLLATERAL_ADAPTER = "0xadA2005600Dec949baf300f4C6120000bDB6eAab"
PUSD = "0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB"
CONDITIONAL_TOKENS = "0x4D97DCd97eC945f40cF65F87097ACe5EA0476045"
ZERO_BYTES32 = "0x" + "00" * 32
MAX_UINT256 = str(2**256 - 1)

# EIP-712 domains (API.md §3.1, §4.5).
CLOB_AUTH_DOMAIN_NAME = "ClobAuthDomain"
CLOB_AUTH_DOMAIN_VERSION = "1"
CLOB_AUTH_MESSAGE = "This message attests that I control the given wallet"
EXCHANGE_DOMAIN_NAME = "Polymarket CTF Exchange"
EXCHANGE_DOMAIN_VERSION = "2"

# On-chain amounts have 6 decimals for both pUSD and outcome tokens.
BASE_UNITS = Decimal(1_000_000)
MICRO = Decimal("0.000001")

# Cursor pagination of the CLOB: base64("0") starts, base64("-1") ends.
INITIAL_CURSOR = "MA=="
END_CURSOR = "LTE="

TICK_SIZES = ("0.1", "0.01", "0.005", "0.0025", "0.001", "0.0001")
# The venue shrinks the tick near the extremes (API.md §5.1).
FINE_TICK_ABOVE = Decimal("0.96")
FINE_TICK_BELOW = Decimal("0.04")

MAX_BATCH_ORDERS = 15
