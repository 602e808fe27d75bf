"""The stream's hot loop: vetting the fast path's text frames and applying
them to a book's sides (``parsing.PriceChangeFrame.vet``,
``BookRegistry.apply_frame``, ``_BookSide.load_text``).

Compiled (``_bookcore.c``, built by ``pip install`` when a C compiler is
there) or, failing that, its pure-Python twin (``bookcore_py``): the same
books either way; ``COMPILED`` says which one runs. The stream says so at
start, since the compiled one is several times faster.
``POLYBOT_BOOKCORE=python`` picks the twin even when the C module is built
(to rule the compiled code out when something looks wrong).
"""

from __future__ import annotations

import os

try:
    if os.environ.get("POLYBOT_BOOKCORE") == "python":
        raise ImportError("POLYBOT_BOOKCORE=python")
    from polybot.polymarket import _bookcore as _core  # type: ignore[attr-defined]

    COMPILED = True
except ImportError:  # no compiler at install time, or the twin asked for
    from polybot.polymarket import bookcore_py as _core

    COMPILED = False

configure = _core.configure
vet_changes = _core.vet_changes
vet_levels = _core.vet_levels
vet_trade = _core.vet_trade
apply_changes = _core.apply_changes
apply_price_change = _core.apply_price_change
ingest_text = _core.ingest_text
load_levels = _core.load_levels
one_asset = _core.one_asset
SIZE_DIGITS: int = _core.SIZE_DIGITS
SIZE_DECIMALS: int = _core.SIZE_DECIMALS
