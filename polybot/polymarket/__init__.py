"""The Polymarket venue adapter: Django-free (STYLE A1).

Everything polybot knows about Polymarket's hosts, JSON shapes and auth lives
here: Gamma, CLOB public and trading, Data API, WebSockets, the L2 book.
"""
