"""The Orders and Fills pages (STYLE R17, R18): one template per page, the
table a partial that htmx swaps on every filter change, order rows that the
account socket swaps in place as orders move, and the fills ledger as CSV.

Every read goes through ``orders.selectors`` scoped to the user (another
user's order is a 404) and every cancel through ``orders.services``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url, trigger_client_event

from accounts.models import User
from markets.models import Market
from markets.selectors import market_get
from orders import selectors, services
from orders.display import order_summary
from orders.fills_csv import fill_cash_flow, fill_csv_stream
from orders.filters import (
    PAGE_SIZES,
    FillFilterForm,
    OrderFilterForm,
    parse_row_id,
)
from orders.models import Fill, Order
from polybot.exceptions import ApplicationError
from polybot.http import HtmxRequest
from polybot.lib.time import utc_now
from polybot.lib.types import TradingMode

ORDER_LIST_TEMPLATE = "orders/order_list.html"
ORDER_DETAIL_TEMPLATE = "orders/order_detail.html"
FILL_LIST_TEMPLATE = "orders/fill_list.html"
# The event a cancel-all answers with: the orders table reloads itself.
ORDERS_CHANGED_EVENT = "orders-changed"

CANCELLED_ONE = "Cancelled: {order}."
CANCELLED_MANY = "Cancelled {count} {mode} order{plural}{where}."
CANCELLED_NONE = "No open {mode} orders to cancel{where}."
UNKNOWN_MARKET = "That market does not exist; nothing was cancelled."
EXPORT_BAD_FILTERS = "Fix the filters marked below before exporting: {fields}."


# --- orders -------------------------------------------------------------------------


@require_GET
@login_required
def order_list(request: HtmxRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET, user=request.user)
    form.is_valid()  # A bad field shows its error and is ignored; the rest apply.
    filters = form.filters()
    orders = selectors.order_list(user=request.user, filters=filters)
    page = Paginator(orders, form.page_size()).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "mode": filters.mode,
        "narrowed": form.is_narrowed(),
        "orders": page.object_list,
        "cancel_all": _cancel_all_button(request.user, filters.market_id),
    }
    return _list_page(
        request, ORDER_LIST_TEMPLATE, "order-table", "orders:list", form, page, context
    )


@require_GET
@login_required
def order_detail(request: HtmxRequest, order_id: int) -> HttpResponse:
    """The order's facts and fills: a full page when opened directly, the
    row's detail row for htmx (``?collapse=1`` answers with nothing, which
    the Hide buttons swap in to close it)."""
    order = _get_order_for_user(request, order_id)
    partial = request.htmx and not request.htmx.history_restore_request
    if partial and request.GET.get("collapse"):
        return HttpResponse("")
    context = {"order": order, "fills": selectors.order_fill_list(order=order)}
    template = ORDER_DETAIL_TEMPLATE + ("#detail-row" if partial else "")
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_POST
@login_required
def order_cancel(request: HtmxRequest, order_id: int) -> HttpResponse:
    """Cancel one order. htmx gets the order's row (now cancelled, or as it
    is with the reason it could not be) and the toast out of band; a plain
    post goes back where it came from."""
    order = _get_order_for_user(request, order_id)
    error = ""
    try:
        order = services.order_cancel(user=request.user, order=order)
    except ApplicationError as exc:
        # Already filled, cancelled or expired, or the venue did not
        # confirm: say so and show the order as it now is.
        order.refresh_from_db()
        error = exc.message
    if error:
        messages.error(request, error)
    else:
        messages.success(request, CANCELLED_ONE.format(order=order_summary(order)))
    if not request.htmx:
        return _back(request)
    context: dict[str, Any] = {"order": order, "row_error": error}
    listed = _orders_page_query(request)
    if listed is not None:
        # The Orders page's "Cancel all (N)" counts this order too: send it
        # again out of band (reloading the table would close an open detail).
        market = _existing_market(listed.get("market", ""))
        context["cancel_all"] = _cancel_all_button(
            request.user, market.pk if market else None
        )
    return render(request, ORDER_LIST_TEMPLATE + "#cancel-response", context)


@require_POST
@login_required
def order_cancel_all(request: HtmxRequest) -> HttpResponse:
    """Cancel every active order of the user's current mode, in one market if
    the form posts ``market_id``. htmx gets the count as a toast and an
    event on which the orders table reloads itself."""
    mode = request.user.trading_mode
    market, error = _posted_market(request.POST)
    if error:
        messages.error(request, error)
    else:
        try:
            count = services.order_cancel_all(
                user=request.user, market=market, mode=mode
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.add_message(request, *_cancelled_message(count, mode, market))
    if not request.htmx:
        return _back(request)
    response = render(request, "includes/_messages.html", {"oob": True})
    trigger_client_event(response, ORDERS_CHANGED_EVENT)
    return response


def _get_order_for_user(request: HtmxRequest, order_id: int) -> Order:
    order = selectors.order_get(user=request.user, order_id=order_id)
    if order is None:
        raise Http404
    return order


def _cancel_all_button(user: User, market_id: int | None) -> dict[str, Any]:
    """What the Orders page's cancel-all button says. It acts on the user's
    current mode (in the filtered market when there is one), whatever the
    table shows."""
    mode = user.trading_mode
    return {
        "mode": mode,
        "mode_label": TradingMode(mode).label.lower(),
        "market_id": market_id,
        "count": selectors.order_active_count(
            user=user, mode=mode, market_id=market_id
        ),
    }


def _orders_page_query(request: HtmxRequest) -> QueryDict | None:
    """The query string of the Orders page htmx sent this request from, or
    None when it came from another page (a market's, an order's)."""
    current = request.htmx.current_url_abs_path or ""
    path, _, query = current.partition("?")
    return QueryDict(query) if path == reverse("orders:list") else None


def _posted_market(data: QueryDict) -> tuple[Market | None, str]:
    raw = data.get("market_id", "").strip()
    if not raw:
        return None, ""
    market = _existing_market(raw)
    return (market, "") if market is not None else (None, UNKNOWN_MARKET)


def _existing_market(raw: str) -> Market | None:
    market_id = parse_row_id(raw)
    return market_get(market_id=market_id) if market_id is not None else None


def _cancelled_message(count: int, mode: str, market: Market | None) -> tuple[int, str]:
    where = " in this market" if market is not None else ""
    label = TradingMode(mode).label.lower()
    if not count:
        return messages.INFO, CANCELLED_NONE.format(mode=label, where=where)
    text = CANCELLED_MANY.format(
        count=count, mode=label, plural="" if count == 1 else "s", where=where
    )
    return messages.SUCCESS, text


# --- fills --------------------------------------------------------------------------


@require_GET
@login_required
def fill_list(request: HtmxRequest) -> HttpResponse:
    form = FillFilterForm(request.GET, user=request.user)
    form.is_valid()
    fills = selectors.fill_list(user=request.user, filters=form.filters())
    page = Paginator(fills, form.page_size()).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "mode": form.mode_value(),
        "narrowed": form.is_narrowed(),
        "lines": [_fill_line(fill) for fill in page.object_list],
        "totals": selectors.fill_totals(fills=fills),
    }
    return _list_page(
        request, FILL_LIST_TEMPLATE, "fill-table", "orders:fills", form, page, context
    )


@dataclass(frozen=True)
class FillLine:
    """A fill as the ledger shows it: what it traded and the cash it moved."""

    fill: Fill
    notional: Decimal
    net_cash_flow: Decimal


def _fill_line(fill: Fill) -> FillLine:
    notional, net = fill_cash_flow(fill)
    return FillLine(fill=fill, notional=notional, net_cash_flow=net)


@require_GET
@login_required
def fill_export(request: HtmxRequest) -> HttpResponse:
    """The filtered ledger as CSV. A bad filter would silently widen the
    export, so instead of ignoring it this goes back to the page that shows
    what is wrong."""
    form = FillFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        fields = ", ".join(label for label, _ in form.ignored())
        messages.error(request, EXPORT_BAD_FILTERS.format(fields=fields))
        query = _shareable_query(request.GET)
        url = reverse("orders:fills")
        return redirect(f"{url}?{query.urlencode()}" if query else url)
    filters = form.filters()
    fills = selectors.fill_list(user=request.user, filters=filters)
    response = StreamingHttpResponse(
        fill_csv_stream(fills), content_type="text/csv; charset=utf-8"
    )
    filename = f"polybot-fills-{filters.mode or 'all'}-{utc_now():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- shared -------------------------------------------------------------------------


def _list_page(
    request: HtmxRequest,
    template: str,
    partial_name: str,
    url_name: str,
    form: OrderFilterForm | FillFilterForm,
    page: Page[Any],
    context: dict[str, Any],
) -> HttpResponse:
    """Render a filtered, paginated list: the table alone for htmx (with the
    filtered address pushed), the whole page otherwise."""
    defaults = {"mode": request.user.trading_mode, "per_page": str(PAGE_SIZES[0])}
    query = _shareable_query(request.GET, defaults)
    url = reverse(url_name)
    context.update(
        page=page,
        query=query,
        list_url=url,
        ignored=form.ignored(),
        more_filters=form.more_filters_used(),
        # The address that lists this very page again (the table reloads it).
        current_url=_with_page(url, query, page.number),
    )
    # htmx asks for the table alone, except to restore history it has no
    # snapshot of: that needs the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(
        request, template + (f"#{partial_name}" if partial else ""), context
    )
    # A table reloading itself (id "<table>-refresh") is not a new place
    # to go back to.
    if partial and not (request.htmx.trigger or "").endswith("-refresh"):
        push_url(response, context["current_url"])
    patch_vary_headers(response, ("HX-Request",))
    return response


def _shareable_query(
    params: QueryDict, defaults: dict[str, str] | None = None
) -> QueryDict:
    """The list's state without empty fields, fields at their default (the
    form sends every select) or the page number."""
    defaults = defaults or {}
    query = QueryDict(mutable=True)
    for key, values in params.lists():
        kept = [v for v in values if v.strip()]
        if key == "page" or not kept or kept == [defaults.get(key)]:
            continue
        query.setlist(key, kept)
    return query


def _with_page(url: str, query: QueryDict, number: int) -> str:
    query = query.copy()
    if number > 1:
        query["page"] = str(number)
    return f"{url}?{query.urlencode()}" if query else url


def _back(request: HtmxRequest) -> HttpResponseRedirect:
    """Where a plain form post returns: ``next``, else the referring page of
    this site, else the orders list."""
    for target in (request.POST.get("next", ""), request.headers.get("referer", "")):
        if target and url_has_allowed_host_and_scheme(
            target,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        ):
            return redirect(target)
    return redirect("orders:list")
