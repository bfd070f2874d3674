"""Pilot tests for the market table widget, plus its cell formats."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from textual import on
from textual.app import App, ComposeResult
from textual.widgets import Input

from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.market_view import SortKey
from kalshi_tui.ui.widgets.market_cells import (
    format_change,
    format_close,
    format_price,
    format_volume,
)
from kalshi_tui.ui.widgets.market_table import MarketTable

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def market(
    ticker: str,
    title: str,
    *,
    event: str = "EV-1",
    bid: str | None = "0.43",
    ask: str | None = "0.45",
    last: str | None = "0.44",
    previous: str | None = "0.40",
    volume: int = 1234,
    close: timedelta = timedelta(hours=3, minutes=12),
    status: str = "active",
) -> MarketSummary:
    """A market with dollar-string prices (None for no quote)."""
    return MarketSummary(
        ticker=ticker,
        event_ticker=event,
        series_ticker=event.split("-")[0],
        title=title,
        status=status,
        yes_bid=None if bid is None else Decimal(bid),
        yes_ask=None if ask is None else Decimal(ask),
        last_price=None if last is None else Decimal(last),
        previous_price=None if previous is None else Decimal(previous),
        volume=Decimal(volume),
        volume_24h=Decimal(volume // 10),
        open_interest=Decimal(0),
        close_time=NOW + close,
    )


MARKETS = [
    market("KXBTC-100K", "Bitcoin above 100k [5pm]", event="KXBTC-1", volume=500),
    market("KXBTC-110K", "Bitcoin above 110k", event="KXBTC-1", last="0.0435", volume=900),
    market("KXETH-4K", "Ether above 4k", event="KXETH-1", bid=None, last=None, previous=None),
    market("INXD-UP", "S&P 500 closes up", event="INX-1", previous="0.50", volume=50),
]


class Host(App[None]):
    """A filter Input above a MarketTable, wired the way the app shell wires them."""

    def __init__(self, markets: list[MarketSummary]) -> None:
        super().__init__()
        self.markets = markets
        self.selected: list[str] = []
        self.favourites: list[tuple[str, bool]] = []

    def compose(self) -> ComposeResult:
        yield Input(id="filter")
        yield MarketTable(self.markets, clock=lambda: NOW)

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.query_one(MarketTable).set_filter(event.value)

    @on(MarketTable.Selected)
    def market_selected(self, event: MarketTable.Selected) -> None:
        self.selected.append(event.ticker)

    @on(MarketTable.FavouriteToggled)
    def favourite_toggled(self, event: MarketTable.FavouriteToggled) -> None:
        self.favourites.append((event.ticker, event.favourite))


def lines(table: MarketTable) -> list[str]:
    """The text of every line the table currently shows (header first)."""
    return [
        table.render_line(y).text.rstrip() for y in range(table.scrollable_content_region.height)
    ]


def shown_tickers(table: MarketTable) -> list[str]:
    """Tickers in the order they are painted (header and blank lines skipped)."""
    return [line[2:].split(" ")[0] for line in lines(table)[1:] if line[2:3].strip()]


async def test_rows_render_with_header_and_formatted_cells() -> None:
    app = Host(MARKETS)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.query_one(MarketTable)
        text = lines(table)
        header = text[0]
        for label in ("Ticker▲", "Title (4/4)", "Bid", "Ask", "Last", "Chg", "Vol", "Close"):
            assert label in header
        assert shown_tickers(table) == ["INXD-UP", "KXBTC-100K", "KXBTC-110K", "KXETH-4K"]
        btc = next(line for line in text if "KXBTC-100K" in line)
        # The bracket is shown as text, not swallowed as markup.
        assert "Bitcoin above 100k [5pm]" in btc
        assert btc.split()[-6:] == ["43¢", "45¢", "44¢", "+4¢", "500", "3h12m"]
        sub_cent = next(line for line in text if "KXBTC-110K" in line)
        assert "4.35¢" in sub_cent
        eth = next(line for line in text if "KXETH-4K" in line)
        assert eth.split()[-6:] == ["—", "45¢", "—", "—", "1,234", "3h12m"]
        width = table.scrollable_content_region.width
        assert all(len(table.render_line(y).text) == width for y in range(5))


async def test_long_titles_are_truncated_to_the_line() -> None:
    long = market("KXLONG", "A very long title " * 20)
    app = Host([long])
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(MarketTable)
        row = table.render_line(1).text
        assert len(row) == table.scrollable_content_region.width
        assert "…" in row
        assert row.rstrip().endswith("3h12m")


async def test_typing_into_the_filter_narrows_the_rows() -> None:
    app = Host(MARKETS)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(MarketTable)
        app.query_one(Input).focus()
        await pilot.press("b", "i", "t")
        await pilot.pause()
        assert shown_tickers(table) == ["KXBTC-100K", "KXBTC-110K"]
        assert "Title (2/4)" in lines(table)[0]
        await pilot.press("c", "o", "i", "n", "space", "a", "b", "o", "v", "e", "space", "1", "1")
        await pilot.pause()
        assert shown_tickers(table) == ["KXBTC-110K"]
        assert table.selected_ticker == "KXBTC-110K"
        for _ in range(len("bitcoin above 11")):
            await pilot.press("backspace")
        await pilot.pause()
        assert len(shown_tickers(table)) == 4


async def test_up_and_down_move_the_selection_and_post_selected() -> None:
    app = Host(MARKETS)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(MarketTable)
        table.focus()
        await pilot.pause()
        assert app.selected == ["INXD-UP"]
        await pilot.press("down", "down")
        await pilot.pause()
        assert table.selected_ticker == "KXBTC-110K"
        assert app.selected == ["INXD-UP", "KXBTC-100K", "KXBTC-110K"]
        await pilot.press("up")
        await pilot.pause()
        assert app.selected[-1] == "KXBTC-100K"
        await pilot.press("end")
        await pilot.pause()
        assert app.selected[-1] == "KXETH-4K"
        await pilot.press("home")
        await pilot.pause()
        assert app.selected[-1] == "INXD-UP"
        # Moving up at the top posts nothing new.
        count = len(app.selected)
        await pilot.press("up")
        await pilot.pause()
        assert len(app.selected) == count


async def test_cursor_row_uses_the_cursor_style() -> None:
    app = Host(MARKETS)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(MarketTable)
        table.focus()
        await pilot.press("down")
        await pilot.pause()
        selected = next(iter(table.render_line(2))).style
        other = next(iter(table.render_line(3))).style
        assert selected is not None
        assert other is not None
        assert selected.bgcolor != other.bgcolor


async def test_f_marks_a_favourite_and_favourites_only_hides_the_rest() -> None:
    app = Host(MARKETS)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(MarketTable)
        table.focus()
        await pilot.press("down", "f")
        await pilot.pause()
        assert table.favourites == {"KXBTC-100K"}
        assert app.favourites == [("KXBTC-100K", True)]
        row = next(line for line in lines(table) if "KXBTC-100K" in line)
        assert row.startswith("★ ")
        other = next(line for line in lines(table) if "KXETH-4K" in line)
        assert other.startswith("  ")
        table.favourites_only = True
        await pilot.pause()
        assert shown_tickers(table) == ["KXBTC-100K"]
        await pilot.press("f")
        await pilot.pause()
        assert app.favourites[-1] == ("KXBTC-100K", False)
        assert shown_tickers(table) == []
        assert table.selected_ticker is None


async def test_set_favourites_marks_rows() -> None:
    app = Host(MARKETS)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(MarketTable)
        table.set_favourites({"KXETH-4K", "INXD-UP"})
        await pilot.pause()
        starred = [line.split()[1] for line in lines(table)[1:5] if line.startswith("★")]
        assert starred == ["INXD-UP", "KXETH-4K"]


async def test_stale_class_greys_the_rows_and_shows_the_age() -> None:
    app = Host(MARKETS)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(MarketTable)
        await pilot.pause()
        fresh = [seg.style for seg in table.render_line(2) if "+" in seg.text]
        table.set_stale(True, "42s")
        await pilot.pause()
        assert table.has_class("-stale")
        assert table.is_stale
        assert "stale 42s" in lines(table)[0]
        stale = [seg.style for seg in table.render_line(2) if "+" in seg.text]
        # The green "up" change is greyed while stale.
        assert fresh[0] is not None
        assert stale[0] is not None
        assert fresh[0].color != stale[0].color
        table.set_stale(False, "")
        await pilot.pause()
        assert not table.has_class("-stale")
        assert "stale" not in lines(table)[0]
        again = [seg.style for seg in table.render_line(2) if "+" in seg.text]
        assert again[0] == fresh[0]


async def test_sort_keys_cycle_and_reverse() -> None:
    app = Host(MARKETS)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(MarketTable)
        table.focus()
        await pilot.press("s")
        await pilot.pause()
        assert table.sort == (SortKey.VOLUME, True)
        assert "Vol▼" in lines(table)[0]
        assert shown_tickers(table) == ["KXETH-4K", "KXBTC-110K", "KXBTC-100K", "INXD-UP"]
        await pilot.press("S")
        await pilot.pause()
        assert table.sort == (SortKey.VOLUME, False)
        assert "Vol▲" in lines(table)[0]
        assert shown_tickers(table)[0] == "INXD-UP"
        # The next key is the next shown column (issue 15: 24h volume has no column).
        await pilot.press("s")
        await pilot.pause()
        assert table.sort == (SortKey.CHANGE, True)
        assert "Chg▼" in lines(table)[0]


async def test_s_cycles_only_through_shown_columns_and_marks_the_sorted_one() -> None:
    app = Host(MARKETS)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(MarketTable)
        table.focus()
        seen: list[SortKey] = []
        for _ in range(5):
            await pilot.press("s")
            await pilot.pause()
            key, descending = table.sort
            seen.append(key)
            header = lines(table)[0]
            label = {
                SortKey.TICKER: "Ticker",
                SortKey.VOLUME: "Vol",
                SortKey.CHANGE: "Chg",
                SortKey.CLOSE_TIME: "Close",
                SortKey.LAST_PRICE: "Last",
            }[key]
            # The sorted column's own header carries the direction.
            assert label + ("▼" if descending else "▲") in header
        assert SortKey.VOLUME_24H not in seen
        assert seen[-1] is SortKey.TICKER  # a full turn of the five shown sortable columns
        assert len(set(seen)) == 5


async def test_a_narrow_list_keeps_ticker_bid_and_ask_and_sorts_only_what_it_shows() -> None:
    app = Host(MARKETS)
    async with app.run_test(size=(56, 20)) as pilot:
        table = app.query_one(MarketTable)
        table.focus()
        await pilot.pause()
        header = lines(table)[0]
        assert all(label in header for label in ("Bid", "Ask", "Last"))
        assert not any(label in header for label in ("Close", "Vol", "Chg"))
        btc = next(line for line in lines(table) if "KXBTC-100K" in line)
        assert btc.split()[-3:] == ["43¢", "45¢", "44¢"]
        await pilot.press("s")
        await pilot.pause()
        # Volume (the first key of the full cycle) is not shown here: last price is next.
        assert table.sort == (SortKey.LAST_PRICE, True)
        assert "Last▼" in lines(table)[0]
        await pilot.press("s")
        await pilot.pause()
        assert table.sort == (SortKey.TICKER, False)
        # A sort by a column this width drops (set elsewhere) is named in the header.
        table.set_sort(SortKey.VOLUME, True)
        await pilot.pause()
        assert "by volume▼" in lines(table)[0]
        width = table.scrollable_content_region.width
        assert all(len(table.render_line(y).text) == width for y in range(5))


async def test_g_groups_rows_under_event_headers() -> None:
    app = Host(MARKETS)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(MarketTable)
        table.focus()
        await pilot.press("g")
        await pilot.pause()
        text = lines(table)
        assert text[1].startswith("▾ INX-1")
        assert text[3].startswith("▾ KXBTC-1  (2 markets)")
        assert table.selected_ticker == "INXD-UP"
        await pilot.press("down")
        await pilot.pause()
        # The cursor skips the KXBTC-1 header.
        assert table.selected_ticker == "KXBTC-100K"
        await pilot.press("g")
        await pilot.pause()
        assert shown_tickers(table) == ["INXD-UP", "KXBTC-100K", "KXBTC-110K", "KXETH-4K"]


async def test_click_selects_a_row_and_header_click_sorts() -> None:
    app = Host(MARKETS)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(MarketTable)
        await pilot.pause()
        await pilot.click(MarketTable, offset=(10, 3))
        await pilot.pause()
        assert table.selected_ticker == "KXBTC-110K"
        assert app.selected[-1] == "KXBTC-110K"
        # "Vol" sits in the volume column of the header.
        volume_x = lines(table)[0].index("Vol")
        await pilot.click(MarketTable, offset=(volume_x, 0))
        await pilot.pause()
        assert table.sort == (SortKey.VOLUME, True)
        assert table.selected_ticker == "KXBTC-110K"


async def test_refresh_keeps_selection_and_reuses_unchanged_rows() -> None:
    many = [
        market(f"KX-{i:03d}", f"Market {i}", volume=i, last=f"0.{i % 90 + 10}") for i in range(200)
    ]
    app = Host(many)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(MarketTable)
        table.focus()
        await pilot.press("pagedown", "pagedown", "down")
        await pilot.pause()
        selected = table.selected_ticker
        assert selected is not None
        scroll_before = table.scroll_offset.y
        assert scroll_before > 0
        line_before = next(i for i, line in enumerate(lines(table)) if selected in line)
        unchanged = table.render_line(5)
        # A poller refresh: new objects, one quote changed, same tickers.
        changed_ticker = shown_tickers(table)[1]
        refreshed = [
            replace(m, yes_bid=Decimal("0.01")) if m.ticker == changed_ticker else replace(m)
            for m in many
        ]
        table.set_markets(refreshed)
        await pilot.pause()
        assert table.selected_ticker == selected
        assert table.scroll_offset.y == scroll_before
        assert next(i for i, line in enumerate(lines(table)) if selected in line) == line_before
        # Equal data reuses the cached strip; the changed market is re-rendered.
        assert table.render_line(5) is unchanged
        changed_line = next(line for line in lines(table) if changed_ticker in line)
        assert " 1¢ " in changed_line


async def test_refresh_that_resorts_keeps_the_cursor_on_its_screen_line() -> None:
    many = [market(f"KX-{i:03d}", f"Market {i}", volume=i) for i in range(100)]
    app = Host(many)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(MarketTable)
        table.focus()
        table.set_sort(SortKey.VOLUME, True)
        await pilot.press("pagedown", "pagedown", "down", "down")
        await pilot.pause()
        selected = table.selected_ticker
        assert selected is not None
        line_before = next(i for i, line in enumerate(lines(table)) if selected in line)
        # The selected market's volume jumps, so it moves up the sort order.
        table.set_markets(
            [replace(m, volume=Decimal(50)) if m.ticker == selected else m for m in many]
        )
        await pilot.pause()
        assert table.selected_ticker == selected
        assert next(i for i, line in enumerate(lines(table)) if selected in line) == line_before


async def test_page_down_and_end_keep_the_cursor_visible() -> None:
    many = [market(f"KX-{i:04d}", f"Market {i}") for i in range(1000)]
    app = Host(many)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(MarketTable)
        table.focus()
        await pilot.press("pagedown")
        await pilot.pause()
        assert table.selected_ticker in shown_tickers(table)
        await pilot.press("end")
        await pilot.pause()
        assert table.selected_ticker == "KX-0999"
        assert shown_tickers(table)[-1] == "KX-0999"
        await pilot.press("pageup", "home")
        await pilot.pause()
        assert shown_tickers(table)[0] == "KX-0000"
        assert table.selected_ticker == "KX-0000"


# ---------------------------------------------------------------- cell formats


@pytest.mark.parametrize(
    ("price", "text"),
    [
        (None, "—"),
        ("0", "0¢"),
        ("0.43", "43¢"),
        ("0.435", "43.5¢"),
        ("0.043", "4.3¢"),
        ("0.0025", "0.25¢"),
        ("0.4300", "43¢"),
        ("1", "100¢"),
    ],
)
def test_format_price(price: str | None, text: str) -> None:
    assert format_price(None if price is None else Decimal(price)) == text


@pytest.mark.parametrize(
    ("change", "text"),
    [(None, "—"), ("0", "0¢"), ("0.03", "+3¢"), ("-0.025", "-2.5¢")],
)
def test_format_change(change: str | None, text: str) -> None:
    assert format_change(None if change is None else Decimal(change)) == text


@pytest.mark.parametrize(
    ("volume", "text"),
    [(0, "0"), (9999, "9,999"), (12345, "12.3k"), (123456, "123k"), (4_500_000, "4.5M")],
)
def test_format_volume(volume: int, text: str) -> None:
    assert format_volume(Decimal(volume)) == text


@pytest.mark.parametrize(
    ("left", "status", "text"),
    [
        (timedelta(seconds=30), "active", "<1m"),
        (timedelta(minutes=42), "active", "42m"),
        (timedelta(hours=3, minutes=12), "active", "3h12m"),
        (timedelta(days=5, hours=4), "active", "5d04h"),
        (timedelta(days=400), "active", "400d"),
        (timedelta(minutes=-1), "active", "closed"),
        (timedelta(hours=1), "determined", "closed"),
        (timedelta(hours=1), "inactive", "paused"),
    ],
)
def test_format_close(left: timedelta, status: str, text: str) -> None:
    assert format_close(market("T", "t", close=left, status=status), NOW) == text
