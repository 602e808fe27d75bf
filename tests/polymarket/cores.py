"""The book cores under test: the compiled one where it was built, and its
pure-Python twin, both configured with the parser's price cache (whichever
of them parsing itself uses; POLYBOT_BOOKCORE=python: the twin)."""

from __future__ import annotations

import pytest

from polybot.polymarket import bookcore_py
from polybot.polymarket.parsing import _ONE, _ZERO, PRICES

try:
    from polybot.polymarket import _bookcore
except ImportError:  # not built here: only the twin is tested
    _bookcore = None

CORES = [c for c in (_bookcore, bookcore_py) if c is not None]
for core in CORES:
    core.configure(PRICES.values, PRICES.get, _ZERO, _ONE)
compiled = pytest.mark.skipif(_bookcore is None, reason="_bookcore.c not built")
