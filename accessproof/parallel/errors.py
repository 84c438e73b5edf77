"""What a map that lost a worker raises."""

from __future__ import annotations


class ShardFailed(RuntimeError):
    """A worker died while it held a shard: the map produced nothing."""

    def __init__(self, shard: int, what: str, reason: str) -> None:
        super().__init__(f"a worker died ({reason}) before shard {shard + 1} ({what}) was done; nothing was "
                         f"recorded: run again")
        self.shard = shard
