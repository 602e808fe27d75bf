"""Reusable filters for the market catalogue (STYLE R6).

Search runs on ``Market.search_vector``, the weighted document a database
trigger keeps current (question A, tags and category B, slug C, description D),
so ranking puts question matches above description matches.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import (
    BooleanField,
    DecimalField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Abs

from markets.models import Market, Outcome
from polybot.lib.money import PRICE_DIGITS, PRICE_PLACES

SEARCH_CONFIG = "english"
SEARCH_MAX_LENGTH = 200
# Letters and digits only: a term made of these cannot carry tsquery syntax
# (& | ! : * ( ) quotes), so it is safe inside a raw to_tsquery().
_PLAIN_TERM = re.compile(r"[^\W_]+")
# A hyphen inside a word ("us-president-2028", "covid-19"). The slug is
# indexed as its words, unstemmed ('simple', the hyphens made spaces), but
# the parser reads a hyphenated query as one compound token that no slug
# contains, so a pasted slug found nothing. Read as spaces, and also matched
# unstemmed, it finds the slug's words; a leading "-" (websearch's "not")
# is left alone.
_HYPHEN_IN_WORD = re.compile(r"(?<=[^\W_])-(?=[^\W_])")
SLUG_CONFIG = "simple"


def search_query(text: str) -> SearchQuery | None:
    """The query for what someone typed: websearch syntax ("quoted phrases",
    -exclusions, or) plus, while they are still typing, the last word as a
    prefix, so "bitc" already finds bitcoin. None when there is nothing to
    search for."""
    slug_like = _HYPHEN_IN_WORD.search(text) is not None
    text = " ".join(_HYPHEN_IN_WORD.sub(" ", text).split())[:SEARCH_MAX_LENGTH]
    if not text:
        return None
    full = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    if slug_like:
        full |= SearchQuery(text, search_type="websearch", config=SLUG_CONFIG)
    prefix = _prefix_query(text)
    return full | prefix if prefix is not None else full


def _prefix_query(text: str) -> SearchQuery | None:
    head, _, last = text.rpartition(" ")
    # Inside a phrase, after a "-" or on the operator "or" the user is writing
    # websearch syntax; a prefix term would change what they asked for.
    if '"' in text or not _PLAIN_TERM.fullmatch(last) or last.lower() == "or":
        return None
    # to_tsquery stems the term as the document was stemmed ("elections:*"
    # becomes 'elect':*). A stop word ("will") becomes an empty query, which
    # matches nothing and drops out of the AND below.
    term = SearchQuery(f"{last}:*", search_type="raw", config=SEARCH_CONFIG)
    if not head:
        return term
    return SearchQuery(head, search_type="websearch", config=SEARCH_CONFIG) & term


class MarketQuerySet(QuerySet[Market]):
    def search(self, query: SearchQuery) -> MarketQuerySet:
        """Markets matching ``query`` (see :func:`search_query`), annotated
        with ``rank``: higher for matches in heavier parts of the document.

        A query of stop words only ("will", "the") has no terms left and
        would match nothing; it narrows nothing instead, as nothing was said."""
        empty = Func(query, function="numnode", output_field=IntegerField())
        return (
            self.alias(query_terms=empty)
            .filter(Q(search_vector=query) | Q(query_terms=0))
            .annotate(rank=SearchRank(F("search_vector"), query))
        )

    def in_category(self, name: str) -> MarketQuerySet:
        """Markets whose category is ``name`` or that carry it as a tag, in
        any letter case ("crypto" finds "Crypto")."""
        has_tag = RawSQL(
            "EXISTS (SELECT 1 FROM unnest(markets_market.tags) AS tag"
            " WHERE lower(tag) = lower(%s))",
            [name],
            output_field=BooleanField(),
        )
        return self.filter(Q(category__iexact=name) | Q(has_tag))

    def with_move(self) -> MarketQuerySet:
        """Annotate ``move``: how far the first outcome's price moved from its
        previous price, unsigned (None while either price is unknown)."""
        first = (
            Outcome.objects.filter(market=OuterRef("pk"))
            .order_by("index")
            .annotate(move=Abs(F("price") - F("previous_price")))
            .values("move")[:1]
        )
        return self.annotate(
            move=Subquery(
                first,
                output_field=DecimalField(
                    max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES
                ),
            )
        )
