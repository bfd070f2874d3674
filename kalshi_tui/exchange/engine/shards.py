"""The exchange's shards (Kalshi's `exchange_index`): which exist and where a series lives.

Kalshi splits trading across matching engines; shard 0 is the catch-all, and a category's new
events are created on its own shard (`getting_started/exchange_sharding.md`). Every market of an
event lives on the event's shard, and collateral is held per shard (`accounts.Wallet`).
"""

from __future__ import annotations

from kalshi_tui.exchange.engine.views import ExchangeError

SHARDS: dict[int, str] = {
    0: "Default exchange",
    1: "Combos exchange",
    2: "Crypto exchange",
    3: "Tennis and baseball exchange",
}
"""Every exchange index the simulated venue runs, with its description."""

CATEGORY_SHARDS: dict[str, int] = {"Crypto": 2}
"""Series categories that live off shard 0 (the demo catalogue has no combos, tennis or
baseball series, so shards 1 and 3 hold no markets)."""


def shard_of_category(category: str) -> int:
    return CATEGORY_SHARDS.get(category, 0)


def check_shard(index: int, what: str = "exchange_index") -> int:
    """``index`` when the venue runs that shard, else a 400 naming the ones it runs."""
    if index not in SHARDS:
        known = ", ".join(str(i) for i in SHARDS)
        raise ExchangeError(
            400, "invalid_parameters", f"{what} {index} is not an exchange shard (known: {known})"
        )
    return index
