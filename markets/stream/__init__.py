"""The stream process (``manage.py stream``): market websockets → local L2
books → coalesced pushes to pages, live book views in Redis, snapshots,
resolution. One concern per module; ``runner.py`` wires them together."""
