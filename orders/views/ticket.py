"""(being written: see orders/urls.py for the views this module provides)"""

from django.http import HttpResponse


def _todo(*args, **kwargs) -> HttpResponse:  # pragma: no cover
    raise NotImplementedError


ticket_submit = ticket_preview = market_orders = _todo
