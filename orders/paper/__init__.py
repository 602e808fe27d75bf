"""Paper trading's market model, as pure code (DESIGN §4 "Paper matching").

No ORM, no Redis, no clock: the ``PaperGateway`` and the stream feed these
with the live book and market events and persist what comes out.

* ``fees.taker_fee`` — the taker fee of one execution (same as the sandbox's).
* ``matching.match_incoming`` — an incoming order against the current book:
  taker executions, the resting remainder and its queue ahead, what is killed,
  or a rejection code. ``matching.merge_taken`` keeps the liquidity paper
  orders took from one book version.
* ``queue.RestingQueue`` — the resting paper orders of one token and their
  queue position, moved by trades and level changes; returns maker fills.
"""
