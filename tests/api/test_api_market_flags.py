"""A market's fractional-trading flag (issue 12): gone from the docs' schema since 2026-07-09
(every market trades 0.01 contracts), so its absence means fractional; an older answer saying
false means whole contracts only, and the ticket follows it."""

from __future__ import annotations

from api_testkit import current_only, example

from kalshi_tui.api import Market
from kalshi_tui.services.convert import market_summary


def test_absent_means_fractional_and_false_means_whole_contracts() -> None:
    raw = current_only(example("market"))
    raw.pop("fractional_trading_enabled", None)
    assert market_summary(Market.from_wire(raw)).fractional is True
    whole = market_summary(Market.from_wire({**raw, "fractional_trading_enabled": False}))
    assert whole.fractional is False
