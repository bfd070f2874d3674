"""Tests for the pure market-list model: filter, sort, favourites, grouping, cursor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.market_view import SORT_CYCLE, GroupHeader, MarketView, SortKey

BASE_TIME = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def market(
    ticker: str,
    title: str = "",
    *,
    event: str = "EV",
    bid: str | None = "0.40",
    ask: str | None = "0.42",
    last: str | None = "0.41",
    previous: str | None = "0.40",
    volume: str = "100",
    volume_24h: str = "10",
    close_hours: float = 24,
) -> MarketSummary:
    """A market with sensible defaults; prices are dollar strings or None."""
    return MarketSummary(
        ticker=ticker,
        event_ticker=event,
        series_ticker=event.split("-")[0],
        title=title or f"Title of {ticker}",
        status="active",
        yes_bid=None if bid is None else Decimal(bid),
        yes_ask=None if ask is None else Decimal(ask),
        last_price=None if last is None else Decimal(last),
        previous_price=None if previous is None else Decimal(previous),
        volume=Decimal(volume),
        volume_24h=Decimal(volume_24h),
        open_interest=Decimal(0),
        close_time=BASE_TIME + timedelta(hours=close_hours),
    )


def tickers(view: MarketView) -> list[str]:
    """Tickers of the market rows, in row order (headers skipped)."""
    out = []
    for row in range(len(view.rows)):
        m = view.market_at(row)
        if m is not None:
            out.append(m.ticker)
    return out


def selection(view: MarketView) -> tuple[str | None, int | None]:
    """The selected ticker and cursor row, read fresh (defeats mypy's narrowing)."""
    return view.selected_ticker, view.cursor


SAMPLE = [
    market("KXBTC-A", "Bitcoin above 100k [daily]", event="KXBTC-1", volume="500", last="0.70"),
    market("KXETH-B", "Ether above 4k", event="KXETH-1", volume="50", last=None, previous=None),
    market("KXBTC-C", "Bitcoin above 110k", event="KXBTC-1", volume="900", last="0.20"),
    market("INXD-D", "S&P 500 closes up", event="INX-1", volume="50", last="0.55"),
]


# ------------------------------------------------------------------ filtering


def test_empty_filter_shows_everything_in_ticker_order() -> None:
    view = MarketView(SAMPLE)
    assert tickers(view) == ["INXD-D", "KXBTC-A", "KXBTC-C", "KXETH-B"]
    assert view.match_count == 4


def test_filter_matches_ticker_case_insensitively() -> None:
    view = MarketView(SAMPLE)
    view.set_filter("kxbtc")
    assert tickers(view) == ["KXBTC-A", "KXBTC-C"]


def test_filter_matches_title_including_brackets() -> None:
    view = MarketView(SAMPLE)
    view.set_filter("[DAILY]")
    assert tickers(view) == ["KXBTC-A"]
    view.set_filter("ether")
    assert tickers(view) == ["KXETH-B"]


def test_filter_does_not_match_across_ticker_and_title() -> None:
    view = MarketView([market("AB", "CD")])
    view.set_filter("bc")
    assert tickers(view) == []


def test_widening_the_filter_brings_rows_back() -> None:
    view = MarketView(SAMPLE)
    view.set_filter("bitcoin above 11")
    assert tickers(view) == ["KXBTC-C"]
    view.set_filter("bitcoin")
    assert tickers(view) == ["KXBTC-A", "KXBTC-C"]
    view.set_filter("")
    assert len(tickers(view)) == 4


_text = st.text(alphabet="abAB[]-\x00 xyz", max_size=6)
_markets = st.lists(
    st.tuples(_text, _text), min_size=0, max_size=25, unique_by=lambda pair: pair[0]
).map(lambda pairs: [market(t or "T", title or "_") for t, title in pairs if t])


@given(markets=_markets, typed=st.lists(_text, min_size=1, max_size=6))
def test_incremental_filtering_equals_a_fresh_filter(
    markets: list[MarketSummary], typed: list[str]
) -> None:
    """Any edit sequence (narrowing or not) ends where a fresh view would."""
    incremental = MarketView(markets)
    text = ""
    for piece in typed:
        # Alternate extending the needle and replacing it, to hit both paths.
        text = text + piece if len(piece) % 2 else piece
        incremental.set_filter(text)
        fresh = MarketView(markets)
        fresh.set_filter(text)
        assert incremental.rows == fresh.rows
        needle = text.lower()
        expected = sorted(
            m.ticker for m in markets if needle in m.ticker.lower() or needle in m.title.lower()
        )
        assert tickers(incremental) == expected


# -------------------------------------------------------------------- sorting

_SORT_VALUES: dict[SortKey, Callable[[MarketSummary], Any]] = {
    SortKey.TICKER: lambda m: m.ticker,
    SortKey.VOLUME: lambda m: m.volume,
    SortKey.VOLUME_24H: lambda m: m.volume_24h,
    SortKey.CHANGE: lambda m: m.change,
    SortKey.CLOSE_TIME: lambda m: m.close_time,
    SortKey.LAST_PRICE: lambda m: m.last_price,
}

SORTABLE = [
    market("A", volume="3", volume_24h="9", last="0.50", previous="0.40", close_hours=5),
    market("B", volume="1", volume_24h="7", last=None, previous=None, close_hours=1),
    market("C", volume="2", volume_24h="8", last="0.10", previous="0.30", close_hours=3),
    market("D", volume="2", volume_24h="1", last="0.90", previous=None, close_hours=2),
]


@pytest.mark.parametrize("key", list(SortKey))
@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_key_both_ways_with_none_last(key: SortKey, descending: bool) -> None:
    view = MarketView(SORTABLE)
    view.set_sort(key, descending)
    shown = tickers(view)
    getter = _SORT_VALUES[key]
    values = [getter(next(m for m in SORTABLE if m.ticker == t)) for t in shown]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=descending)
    # None values trail the present ones in both directions.
    assert values[len(present) :] == [None] * (len(values) - len(present))
    assert sorted(shown) == ["A", "B", "C", "D"]


def test_sort_ties_break_by_ticker_in_both_directions() -> None:
    view = MarketView(SORTABLE)
    view.set_sort(SortKey.VOLUME, descending=True)
    assert tickers(view) == ["A", "C", "D", "B"]
    view.set_sort(SortKey.VOLUME, descending=False)
    assert tickers(view) == ["B", "C", "D", "A"]


def test_change_sort_puts_missing_change_last() -> None:
    view = MarketView(SORTABLE)
    view.set_sort(SortKey.CHANGE, descending=False)
    assert tickers(view) == ["C", "A", "B", "D"]


def test_sort_keeps_the_filter() -> None:
    view = MarketView(SAMPLE)
    view.set_filter("kxbtc")
    view.set_sort(SortKey.VOLUME, descending=True)
    assert tickers(view) == ["KXBTC-C", "KXBTC-A"]


def test_sort_cycle_covers_every_key_once() -> None:
    assert sorted(SORT_CYCLE) == sorted(SortKey)
    assert SORT_CYCLE[0] is SortKey.TICKER


def test_price_refresh_resorts_when_the_key_depends_on_prices() -> None:
    view = MarketView(SAMPLE)
    view.set_filter("kx")
    view.set_sort(SortKey.LAST_PRICE, descending=True)
    assert tickers(view) == ["KXBTC-A", "KXBTC-C", "KXETH-B"]
    refreshed = [
        replace(m, last_price=Decimal("0.95")) if m.ticker == "KXBTC-C" else m for m in SAMPLE
    ]
    view.set_markets(refreshed)
    assert tickers(view) == ["KXBTC-C", "KXBTC-A", "KXETH-B"]


def test_price_refresh_does_not_rebuild_rows_for_a_price_independent_sort() -> None:
    view = MarketView(SAMPLE)
    version = view.rows_version
    view.set_markets([replace(m, yes_bid=Decimal("0.01")) for m in SAMPLE])
    assert view.rows_version == version
    assert view.markets[0].yes_bid == Decimal("0.01")


def test_price_refresh_with_unchanged_sort_values_does_not_rebuild_rows() -> None:
    view = MarketView(SAMPLE)
    view.set_sort(SortKey.VOLUME, descending=True)
    version = view.rows_version
    view.set_markets([replace(m, yes_ask=Decimal("0.99")) for m in SAMPLE])
    assert view.rows_version == version


def test_refresh_keeps_ties_in_their_previous_order() -> None:
    """Rows with equal values do not swap on a refresh; a new sort orders ties by ticker."""
    view = MarketView(SORTABLE)
    view.set_sort(SortKey.VOLUME, descending=True)
    assert tickers(view) == ["A", "C", "D", "B"]
    # C drops to 0, then comes back to 2.
    view.set_markets([replace(m, volume=Decimal(0)) if m.ticker == "C" else m for m in SORTABLE])
    assert tickers(view) == ["A", "D", "B", "C"]
    view.set_markets([replace(m, volume=Decimal(2)) if m.ticker == "C" else m for m in SORTABLE])
    # C is tied with D again; D was ahead in the previous order, so it stays ahead.
    assert tickers(view) == ["A", "D", "C", "B"]
    view.set_sort(SortKey.VOLUME, descending=False)
    view.set_sort(SortKey.VOLUME, descending=True)
    assert tickers(view) == ["A", "C", "D", "B"]


def test_new_market_in_refresh_is_filtered_and_sorted() -> None:
    view = MarketView(SAMPLE)
    view.set_filter("bitcoin")
    view.set_markets([*SAMPLE, market("KXBTC-0", "Bitcoin above 90k", event="KXBTC-1")])
    assert tickers(view) == ["KXBTC-0", "KXBTC-A", "KXBTC-C"]


# ----------------------------------------------------------------- favourites


def test_favourites_only_shows_favourites_in_sort_order() -> None:
    view = MarketView(SAMPLE)
    view.set_favourites({"KXETH-B", "INXD-D", "NOT-LISTED"})
    assert tickers(view) == ["INXD-D", "KXBTC-A", "KXBTC-C", "KXETH-B"]
    view.set_favourites_only(True)
    assert tickers(view) == ["INXD-D", "KXETH-B"]
    assert view.toggle_favourite("KXBTC-A") is True
    assert tickers(view) == ["INXD-D", "KXBTC-A", "KXETH-B"]
    assert view.toggle_favourite("INXD-D") is False
    assert tickers(view) == ["KXBTC-A", "KXETH-B"]
    assert view.favourites == {"KXETH-B", "KXBTC-A", "NOT-LISTED"}


def test_favourite_survives_a_refresh_that_reorders_markets() -> None:
    view = MarketView(SAMPLE)
    view.toggle_favourite("KXETH-B")
    view.set_markets(list(reversed(SAMPLE)))
    index = next(i for i, m in enumerate(view.markets) if m.ticker == "KXETH-B")
    assert view.is_favourite(index)
    assert not view.is_favourite((index + 1) % len(SAMPLE))


def test_favourites_only_and_filter_combine() -> None:
    view = MarketView(SAMPLE)
    view.set_favourites({"KXBTC-A", "KXETH-B"})
    view.set_favourites_only(True)
    view.set_filter("bitcoin")
    assert tickers(view) == ["KXBTC-A"]


# ------------------------------------------------------------------- grouping


def test_grouping_puts_markets_under_event_headers() -> None:
    view = MarketView(SAMPLE)
    view.set_group_by_event(True)
    assert view.header_at(0) == GroupHeader("INX-1", 1)
    first = view.market_at(1)
    assert first is not None
    assert first.ticker == "INXD-D"
    assert view.header_at(2) == GroupHeader("KXBTC-1", 2)
    assert view.header_at(5) == GroupHeader("KXETH-1", 1)
    assert tickers(view) == ["INXD-D", "KXBTC-A", "KXBTC-C", "KXETH-B"]
    assert view.match_count == 4
    assert len(view.rows) == 7


def test_groups_follow_the_active_sort() -> None:
    view = MarketView(SAMPLE)
    view.set_group_by_event(True)
    view.set_sort(SortKey.VOLUME, descending=True)
    headers = [h.event_ticker for r in range(len(view.rows)) if (h := view.header_at(r))]
    # KXBTC-C has the most volume, so its event leads; within it, volume order.
    assert headers == ["KXBTC-1", "INX-1", "KXETH-1"]
    assert tickers(view) == ["KXBTC-C", "KXBTC-A", "INXD-D", "KXETH-B"]


def test_grouping_only_counts_shown_markets() -> None:
    view = MarketView(SAMPLE)
    view.set_group_by_event(True)
    view.set_filter("110k")
    assert view.header_at(0) == GroupHeader("KXBTC-1", 1)
    assert len(view.rows) == 2


# --------------------------------------------------------------------- cursor


def test_cursor_starts_on_the_first_market() -> None:
    view = MarketView(SAMPLE)
    assert view.cursor == 0
    assert view.selected_ticker == "INXD-D"


def test_empty_view_has_no_selection() -> None:
    view = MarketView([])
    assert view.cursor is None
    assert view.selected_ticker is None
    view.move_cursor(1)
    assert view.selected_ticker is None


def test_selection_preserved_across_refresh_that_reorders() -> None:
    view = MarketView(SAMPLE)
    view.set_sort(SortKey.LAST_PRICE, descending=True)
    assert view.select_ticker("KXBTC-C")
    refreshed = [
        replace(m, last_price=Decimal("0.99")) if m.ticker == "KXBTC-C" else m for m in SAMPLE
    ]
    view.set_markets(refreshed)
    assert view.selected_ticker == "KXBTC-C"
    assert view.cursor == 0


def test_selection_preserved_across_refresh_with_new_markets() -> None:
    view = MarketView(SAMPLE)
    view.select_ticker("KXETH-B")
    view.set_markets([market("AAA"), *SAMPLE])
    assert view.selected_ticker == "KXETH-B"
    assert view.market_at(view.cursor or 0).ticker == "KXETH-B"  # type: ignore[union-attr]


def test_vanished_selection_keeps_the_cursor_position() -> None:
    view = MarketView(SAMPLE)
    view.select_ticker("KXBTC-C")
    assert view.cursor == 2
    view.set_markets([m for m in SAMPLE if m.ticker != "KXBTC-C"])
    assert view.cursor == 2
    assert view.selected_ticker == "KXETH-B"


def test_filter_keeps_a_still_visible_selection_and_else_goes_to_the_top() -> None:
    view = MarketView(SAMPLE)
    view.select_ticker("KXBTC-C")
    view.set_filter("bitcoin")
    assert view.selected_ticker == "KXBTC-C"
    view.set_filter("ether")
    assert view.selected_ticker == "KXETH-B"
    view.set_filter("nothing matches")
    assert selection(view) == (None, None)
    view.set_filter("")
    assert view.selected_ticker == "INXD-D"


def test_cursor_moves_skip_group_headers() -> None:
    view = MarketView(SAMPLE)
    view.set_group_by_event(True)
    assert view.cursor == 1  # row 0 is the INX-1 header
    view.move_cursor(1)
    assert view.cursor == 3
    assert view.selected_ticker == "KXBTC-A"
    view.move_cursor(1)
    view.move_cursor(1)
    assert view.selected_ticker == "KXETH-B"
    view.move_cursor(-1)
    assert view.selected_ticker == "KXBTC-C"
    view.cursor_home()
    view.move_cursor(-1)
    assert view.cursor == 1
    view.cursor_end()
    assert view.selected_ticker == "KXETH-B"
    view.move_cursor(100)
    assert view.selected_ticker == "KXETH-B"
    view.move_cursor(-100)
    assert view.selected_ticker == "INXD-D"


def test_large_view_filters_and_refreshes() -> None:
    """A 5,000-market smoke test of the incremental paths at scale."""
    many = [
        market(f"KX{i % 50:02d}-{i:05d}", f"Market number {i}", event=f"EV{i % 50}", volume=str(i))
        for i in range(5000)
    ]
    view = MarketView(many)
    view.set_sort(SortKey.VOLUME, descending=True)
    view.set_filter("number 4")
    assert view.match_count == 1111
    view.set_filter("number 49")
    assert view.match_count == 111
    assert tickers(view)[0] == "KX49-04999"
    assert view.select_ticker("KX40-04990")
    bumped = [replace(m, volume=Decimal(10**6)) if m.ticker == "KX40-04990" else m for m in many]
    view.set_markets(bumped)
    assert tickers(view)[0] == "KX40-04990"
    assert view.selected_ticker == "KX40-04990"
