"""The channel layer's Redis connections, as configured."""

from __future__ import annotations

from channels.layers import get_channel_layer


def test_a_consumers_read_outlasts_its_blocking_wait() -> None:
    # A consumer blocks in BZPOPMIN for up to brpop_timeout; a socket read
    # timeout no longer than that kills every idle page's consumer.
    layer = get_channel_layer()
    pool = layer.create_pool(0)
    assert pool.connection_kwargs["socket_timeout"] == 15
    assert pool.connection_kwargs["socket_timeout"] > layer.brpop_timeout
