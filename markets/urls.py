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
]
