from __future__ import annotations

from django.urls import path

from orders.views import pages, ticket, trading_state

app_name = "orders"

urlpatterns = [
    # Orders and fills (orders.views.pages).
    path("orders/", pages.order_list, name="list"),
    path("orders/cancel-all/", pages.order_cancel_all, name="cancel_all"),
    path("orders/<int:order_id>/", pages.order_detail, name="detail"),
    path("orders/<int:order_id>/cancel/", pages.order_cancel, name="cancel"),
    path("fills/", pages.fill_list, name="fills"),
    path("fills/export.csv", pages.fill_export, name="fills_csv"),
    # The order ticket on a market page (orders.views.ticket).
    path("orders/ticket/<int:market_id>/", ticket.ticket_submit, name="ticket_submit"),
    path(
        "orders/ticket/<int:market_id>/preview/",
        ticket.ticket_preview,
        name="ticket_preview",
    ),
    path(
        "orders/market/<int:market_id>/",
        ticket.market_orders,
        name="market_orders",
    ),
    # The header's trading state (orders.views.trading_state).
    path("trading/state/", trading_state.state, name="trading_state"),
    path("trading/kill-switch/", trading_state.kill_switch, name="kill_switch"),
    path("trading/rearm/", trading_state.rearm, name="rearm"),
]
