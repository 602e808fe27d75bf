from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from markets import display, selectors
from markets.forms import MarketFilterForm
from polybot.http import HtmxRequest

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
    quotes = selectors.market_quotes(market=market)
    history = selectors.price_history(market=market)
    chart = None
    if quotes:
        first = quotes[0].outcome
        chart = display.price_chart(
            label=first.label, snapshots=history.get(first.pk, [])
        )
    books = [
        display.book_panel(
            market_id=market.pk,
            token_id=quote.outcome.token_id,
            book=quote.book,
            label=quote.outcome.label,
        )
        for quote in quotes
    ]
    return render(
        request,
        "markets/market_detail.html",
        {"market": market, "quotes": quotes, "books": books, "chart": chart},
    )


@require_GET
@login_required
def book_fragment(request: HtmxRequest, market_id: int, token_id: str) -> HttpResponse:
    """One outcome's book partial: the page polls it while the live socket
    is down."""
    outcome = selectors.outcome_get(market_id=market_id, token_id=token_id)
    if outcome is None:
        raise Http404
    context = display.book_context(
        market_id=market_id,
        token_id=token_id,
        book=selectors.book_get(token_id=token_id),
        label=outcome.label,
    )
    return render(request, display.BOOK_TEMPLATE, context)
