from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url

from markets import display, history, selectors, services
from markets.forms import MarketFilterForm, PriceIntervalForm, SyncStatusForm
from markets.models import Outcome
from orders.views.ticket import ticket_page_context
from polybot.exceptions import ApplicationError
from polybot.http import HtmxRequest
from polybot.lib.time import utc_now

LIST_PAGE_SIZE = 25


@require_GET
@login_required
def market_list(request: HtmxRequest) -> HttpResponse:
    form = MarketFilterForm(request.GET)
    form.is_valid()  # A bad field shows its error and is ignored; the rest apply.
    filters = form.filters()
    markets = selectors.market_list(filters=filters)
    page = Paginator(markets, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = _shareable_query(request.GET)
    context = {
        "form": form,
        "filters": filters,
        "ignored": [(field.label, field.errors) for field in form if field.errors],
        "page": page,
        "markets": page.object_list,
        "query": query,
        "categories": selectors.market_categories(),
    }
    # htmx asks for the table alone, except to restore history it has no
    # snapshot of: that needs the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "markets/market_list.html"
    if partial:
        template += "#market-table"
    else:
        context["sync"] = selectors.sync_status_get()
    response = render(request, template, context)
    if partial:
        # The form sends its empty fields too; share the URL without them.
        if page.number > 1:
            query["page"] = str(page.number)
        url = reverse("markets:list")
        push_url(response, f"{url}?{query.urlencode()}" if query else url)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _shareable_query(params: QueryDict) -> QueryDict:
    """The list's state without empty fields or the page number."""
    query = QueryDict(mutable=True)
    for key, values in params.lists():
        kept = [v for v in values if v.strip()]
        if key != "page" and kept:
            query.setlist(key, kept)
    return query


@require_GET
@login_required
def market_detail(request: HtmxRequest, market_id: int) -> HttpResponse:
    market = selectors.market_get(market_id=market_id)
    if market is None:
        raise Http404
    # ?interval= sets every chart's first interval: the tabs' links without
    # JavaScript, and a shareable view.
    interval = PriceIntervalForm(request.GET).interval_value()
    quotes = selectors.market_quotes(market=market)
    outcomes = [
        {
            "chart": _chart_panel(quote.outcome, interval),
            "book": display.book_panel(
                market_id=market.pk,
                token_id=quote.outcome.token_id,
                book=quote.book,
                label=quote.outcome.label,
            ),
            "trades": _trades_panel(quote.outcome),
            "outcome": quote.outcome,
            "live": display.outcome_live_quote(
                quote.outcome, quote.book, market_tick=market.tick_size
            ),
        }
        for quote in quotes
    ]
    context = {"market": market, "quotes": quotes, "outcomes": outcomes}
    # The order ticket and the trader's orders here (orders.views.ticket).
    context |= ticket_page_context(user=request.user, market=market, quotes=quotes)
    return render(request, "markets/market_detail.html", context)


def _chart_panel(outcome: Outcome, interval: str) -> display.ChartPanel:
    series = history.price_history(token_id=outcome.token_id, interval=interval)
    return display.chart_panel(outcome=outcome, series=series)


def _trades_panel(outcome: Outcome) -> display.TradesPanel:
    return display.trades_panel(
        market_id=outcome.market_id,
        token_id=outcome.token_id,
        label=outcome.label,
        trades=selectors.recent_trades(token_id=outcome.token_id),
    )


def _get_outcome(market_id: int, token_id: str) -> Outcome:
    outcome = selectors.outcome_get(market_id=market_id, token_id=token_id)
    if outcome is None:
        raise Http404
    return outcome


@require_GET
@login_required
def book_fragment(request: HtmxRequest, market_id: int, token_id: str) -> HttpResponse:
    """One outcome's book partial: the page polls it while the live socket
    is down."""
    outcome = _get_outcome(market_id, token_id)
    book = selectors.book_get(token_id=token_id)
    context = display.book_context(
        market_id=market_id,
        token_id=token_id,
        book=book,
        label=outcome.label,
        extras=display.outcome_live_quote(
            outcome, book, market_tick=outcome.market.tick_size
        ),
    )
    return render(request, display.BOOK_TEMPLATE, context)


@require_GET
@login_required
def price_chart(request: HtmxRequest, market_id: int, token_id: str) -> HttpResponse:
    """One outcome's chart over ``?interval=`` (default 1d): the interval
    tabs swap it in place."""
    outcome = _get_outcome(market_id, token_id)
    interval = PriceIntervalForm(request.GET).interval_value()
    panel = _chart_panel(outcome, interval)
    return render(request, display.CHART_TEMPLATE, {"chart_panel": panel})


@require_GET
@login_required
def trades_fragment(
    request: HtmxRequest, market_id: int, token_id: str
) -> HttpResponse:
    """One outcome's recent trades; the page polls it every few seconds."""
    outcome = _get_outcome(market_id, token_id)
    panel = _trades_panel(outcome)
    return render(request, display.TRADES_TEMPLATE, {"trades_panel": panel})


# --- catalogue sync ----------------------------------------------------------------

SYNC_TEMPLATE = "markets/partials/_sync_status.html"


@require_GET
@login_required
def sync_status(request: HtmxRequest) -> HttpResponse:
    """The sync strip alone: it polls this while a sync is queued or runs."""
    queued_at = SyncStatusForm(request.GET).queued_at()
    status = selectors.sync_status_get(queued_at=queued_at)
    return render(request, SYNC_TEMPLATE, {"sync": status})


@require_POST
@login_required
def sync_start(request: HtmxRequest) -> HttpResponse:
    """Queue a full catalogue sync (staff only) and answer with the strip,
    which then polls until the sync has run."""
    if not request.user.is_staff:
        raise PermissionDenied
    # Whole seconds: the strip carries this in its polling URL.
    queued_at = utc_now().replace(microsecond=0)
    error = ""
    try:
        services.catalogue_sync_start()
    except ApplicationError as exc:
        error = exc.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, "Full sync queued.")
        return redirect("markets:list")
    status = selectors.sync_status_get(queued_at=None if error else queued_at)
    return render(request, SYNC_TEMPLATE, {"sync": status, "sync_error": error})
