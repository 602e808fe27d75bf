from __future__ import annotations

from django.urls import path

from markets import views

app_name = "markets"

urlpatterns = [
    path("", views.market_list, name="list"),
    path("<int:market_id>/", views.market_detail, name="detail"),
    path(
        "<int:market_id>/book/<str:token_id>/",
        views.book_fragment,
        name="book_fragment",
    ),
    path(
        "<int:market_id>/chart/<str:token_id>/",
        views.price_chart,
        name="price_chart",
    ),
    path(
        "<int:market_id>/trades/<str:token_id>/",
        views.trades_fragment,
        name="trades_fragment",
    ),
    path("sync/", views.sync_status, name="sync_status"),
    path("sync/start/", views.sync_start, name="sync_start"),
]
