"""HTML fragments that both a view and the stream render (STYLE R19)."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string

from markets import display
from markets.live import BookView


@dataclass(frozen=True)
class TokenMeta:
    market_id: int
    label: str


def book_fragment_html(view: BookView, meta: TokenMeta) -> str:
    """The order-book ladder of one token (root ``#book-<token>``), the same
    partial the page and its polling view render; the htmx ws extension swaps
    a pushed copy in place by id."""
    context = display.book_context(
        market_id=meta.market_id, token_id=view.token_id, book=view, label=meta.label
    )
    return render_to_string(display.BOOK_TEMPLATE, context)
