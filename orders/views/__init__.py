"""The trading desk's HTML views (STYLE R17), one module per page area:
``ticket`` (the order ticket on a market page), ``pages`` (orders and fills)
and ``trading_state`` (the header's kill switch and re-arm)."""
