"""(being written: see orders/urls.py for the views this module provides)"""

from django.http import HttpResponse


def _todo(*args, **kwargs) -> HttpResponse:  # pragma: no cover
    raise NotImplementedError


order_list = order_cancel_all = order_detail = order_cancel = fill_list = (
    fill_export
) = _todo
