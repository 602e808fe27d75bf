"""HTML fragments that both a view and the stream render (STYLE R19)."""

from __future__ import annotations

from django.template.loader import render_to_string

from markets.live import BookView

BOOK_TEMPLATE = "markets/partials/_book.html"


def book_fragment_html(view: BookView) -> str:
    """The order-book ladder of one token, root element ``#book-<token>``,
    swapped in place by the htmx ws extension."""
    return render_to_string(
        BOOK_TEMPLATE, {"token_id": view.token_id, "view": view, "oob": True}
    )
