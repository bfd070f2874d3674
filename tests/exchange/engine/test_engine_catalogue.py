"""The seeded catalogue, history and candles."""

from __future__ import annotations

import itertools
import re

from engine_helpers import T0, quiet_exchange

from kalshi_tui.exchange.engine import PRICE_SCALE, Exchange


def test_default_catalogue_shape() -> None:
    ex = Exchange(seed=0, now=T0)
    markets = ex.list_markets()
    assert 290 <= len(markets) <= 320
    assert 35 <= len(ex.list_events()) <= 70
    categories = {s.category for s in ex.list_series()}
    assert {"Economics", "Politics", "Crypto", "Weather", "Sports"} <= categories
    pattern = re.compile(r"^KX[A-Z0-9]+-[0-9]{2}([A-Z]{3}[0-9A-Z]*)?-[A-Z0-9.]+$")
    assert all(pattern.match(m.ticker) for m in markets), [m.ticker for m in markets][:5]
    assert {m.price_level_structure for m in markets} == {
        "linear_cent",
        "deci_cent",
        "tapered_deci_cent",
        "center_half_edge_deci_cent",  # issue 12: the Senate markets
    }
    assert any(s.fee_type == "quadratic_with_maker_fees" for s in ex.list_series())
    assert all(m.rules_primary and m.yes_sub_title and m.no_sub_title for m in markets)
    assert any(m.close_ms - T0 < 10 * 60_000 for m in markets)


def test_kalshi_style_tickers_exist() -> None:
    tickers = Exchange(seed=0, now=T0).market_tickers()
    assert any(re.match(r"^KXFED-\d\d[A-Z]{3}-T\d\.\d\d$", t) for t in tickers)
    assert any(re.match(r"^KXBTCD-\d\d[A-Z]{3}\d{4}-T\d+$", t) for t in tickers)
    assert any(re.match(r"^KXHIGHNY-\d\d[A-Z]{3}\d\d-B\d+\.5$", t) for t in tickers)


def test_mutually_exclusive_fair_values_sum_to_about_one() -> None:
    ex = Exchange(seed=0, now=T0)
    for event in ex.list_events():
        if not event.mutually_exclusive:
            continue
        mids = []
        for ticker in event.market_tickers:
            market = ex.get_market(ticker)
            mids.append((market.yes_bid + market.yes_ask) / 2 / PRICE_SCALE)
        assert 0.8 < sum(mids) < 1.25, (event.event_ticker, mids)


def test_threshold_events_fall_with_the_strike() -> None:
    ex = Exchange(seed=0, now=T0)
    event = ex.get_event(
        next(e.event_ticker for e in ex.list_events() if "KXFED" in e.event_ticker)
    )
    mids = [ex.get_market(t).yes_bid for t in event.market_tickers]
    assert mids == sorted(mids, reverse=True)


def test_same_seed_same_catalogue_and_other_seed_differs() -> None:
    a = Exchange(seed=5, now=T0).list_markets()
    b = Exchange(seed=5, now=T0).list_markets()
    c = Exchange(seed=6, now=T0).list_markets()
    assert a == b
    assert a != c


def test_twenty_thousand_markets() -> None:
    """The catalogue scales (its build time and memory are in bench/bench_exchange.py)."""
    ex = Exchange(seed=1, now=T0, market_count=20_000)
    assert len(ex.market_tickers()) >= 20_000
    assert len(set(ex.market_tickers())) == len(ex.market_tickers())
    assert len(ex.list_market_stamps(status="open")) > 10_000


def test_market_view_has_history_derived_fields() -> None:
    ex = Exchange(seed=0, now=T0)
    market = ex.get_market(ex.market_tickers()[0])
    assert market.volume >= market.volume_24h > 0
    assert market.previous_price > 0
    assert market.last_price > 0
    assert 0 < market.yes_bid < market.yes_ask < PRICE_SCALE
    assert market.yes_bid_size > 0
    assert market.open_interest > 0


def test_candles_cover_the_requested_range() -> None:
    ex = quiet_exchange()
    ticker = ex.market_tickers()[0]
    end = T0 // 1000
    start = end - 24 * 3600
    hourly = ex.candlesticks(ticker, start, end, 60)
    assert len(hourly) in (24, 25)
    assert all(b.end_period_ts - a.end_period_ts == 3600 for a, b in itertools.pairwise(hourly))
    # The first candle covers the hour ending at its end, which may begin before `start`.
    first_end = hourly[0].end_period_ts
    in_range = [
        t
        for t in ex.list_trades(ticker=ticker)
        if (first_end - 3600) * 1000 < t.created_ms <= hourly[-1].end_period_ts * 1000
    ]
    assert sum(c.volume for c in hourly) == sum(t.count for t in in_range)
    for candle in hourly:
        if candle.price is not None:
            assert candle.price.low <= candle.price.open <= candle.price.high
            assert candle.yes_bid.low <= candle.yes_bid.high
    daily = ex.candlesticks(ticker, end - 7 * 86400, end, 1440)
    # None before the market opened (issue 15): the first is the day it opened in.
    opened = ex.get_market(ticker).open_ms // 1000
    first_day = max(end - 7 * 86400, opened)
    assert daily[0].end_period_ts - 86400 < first_day <= daily[0].end_period_ts
    assert len(daily) == (end - daily[0].end_period_ts) // 86400 + 1
    assert 1 <= len(daily) <= 8


def test_trades_newest_first_with_synthetic_past() -> None:
    ex = quiet_exchange()
    ticker = ex.market_tickers()[0]
    trades = ex.list_trades(ticker=ticker)
    assert trades
    assert all(a.created_ms >= b.created_ms for a, b in itertools.pairwise(trades))
    assert all(t.created_ms < T0 for t in trades)
