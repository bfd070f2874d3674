"""The header: environment, money, trading state, feed health, rate budget, exchange banner.

One line of segments, plus a second line — the exchange banner — shown only while
the exchange is closed or trading is paused. The environment badge is red
(`-prod`) in production so nobody mistakes a live account for the demo. The
trading state mirrors `snapshot.trading` and puts `-halted` / `-reducing` on the
whole bar, because a halted terminal must be obvious at a glance.

"Cash" is the available balance; once another exchange shard holds money or a position it
is listed per shard (`domain.shards.cash_text`: `Cash $9,000.00 · #2 $1,000.00`).

"Portfolio" is the value of the open positions by `domain.valuation.value_portfolio`,
the function the positions pane's TOTAL row uses, so the two figures are always the
same; its tooltip states the rule and the exchange's own figure (marked at the bid).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Label

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.models import ExchangeState
from kalshi_tui.domain.pnl_report import DAY_RULE
from kalshi_tui.domain.shards import cash_text, cash_tooltip, shown_shards
from kalshi_tui.domain.store import Health, Snapshot, TradingMode
from kalshi_tui.domain.valuation import VALUATION_RULE, Valuation, value_portfolio

LOW_HEADROOM = 0.2
"""Below this fraction of the read budget the rate segment turns to a warning."""

RATE_RULE = (
    "rate N%: share of the account's request budget (Kalshi's rate limit for reads) still "
    "available now; 100% is idle, and near 0% requests wait their turn."
)
"""What the header's rate segment means (its tooltip and the help screen)."""


@dataclass(frozen=True, slots=True)
class FeedSummary:
    """The worst state over all pollers, for one status segment."""

    state: str
    """ok, starting (first polls under way), stale or error."""
    text: str
    latency: float | None
    """Seconds the most recent successful poll took."""


def summarize_feeds(health: Mapping[str, Health], now: float) -> FeedSummary:
    """The worst poller state: failing beats stale beats ok; names the feeds concerned."""
    failing = sorted(name for name, h in health.items() if h.consecutive_errors > 0)
    starting = sorted(name for name, h in health.items() if h.is_starting(now))
    stale = sorted(name for name, h in health.items() if h.is_stale(now) and name not in starting)
    latest = max(
        (h for h in health.values() if h.last_success is not None),
        key=lambda h: h.last_success or 0.0,
        default=None,
    )
    latency = None if latest is None else latest.latency
    if failing:
        return FeedSummary("error", "feeds FAILING: " + ", ".join(failing), latency)
    if stale:
        worst = max(stale, key=lambda name: health[name].age(now) or float("inf"))
        label = fmt.staleness(health[worst], now)
        extra = f" +{len(stale) - 1}" if len(stale) > 1 else ""
        return FeedSummary("stale", f"feeds STALE: {worst} {label}{extra}", latency)
    if starting:
        # First polls under way (start-up): loading, never STALE before a feed ever ran.
        return FeedSummary("starting", "feeds loading: " + ", ".join(starting), latency)
    if not health:
        return FeedSummary("starting", "feeds: starting", None)
    return FeedSummary("ok", "feeds OK", latency)


def exchange_banner(exchange: ExchangeState | None) -> str | None:
    """The banner text while the exchange is closed or trading is paused, else None."""
    if exchange is None or (exchange.exchange_active and exchange.trading_active):
        return None
    text = "EXCHANGE CLOSED" if not exchange.exchange_active else "TRADING PAUSED"
    if exchange.resume_time is not None:
        resume = exchange.resume_time.astimezone(UTC)
        text += f" · resumes {resume:%a %d %b %H:%M} UTC"
    return text


def trading_text(mode: str, reason: str) -> str:
    """ "REDUCING: chosen by the trader"; a reason that already starts with the mode's
    name does not repeat it ("REDUCING: REDUCING chosen…" read like a stutter)."""
    if not reason:
        return mode
    if reason.upper().startswith(mode):
        reason = reason[len(mode) :].lstrip(" :·-")
    return f"{mode}: {reason}" if reason else mode


def portfolio_text(valuation: Valuation, *, loaded: bool) -> str:
    """The header's "Portfolio" segment: the positions pane's TOTAL value."""
    if not loaded and valuation.source == "exchange":
        return f"Portfolio {fmt.MISSING}"
    totals = valuation.totals
    text = f"Portfolio {fmt.dollars(totals.market_value)}"
    if totals.unmarked:
        text += f" +{totals.unmarked} unmarked"
    return text


def portfolio_tooltip(valuation: Valuation) -> str:
    """How "Portfolio" is computed, and the exchange's own figure beside it."""
    totals = valuation.totals
    lines = [
        f"Value of {totals.open_positions} open position(s) from the "
        f"{'journal' if valuation.source == 'journal' else 'exchange'}, "
        "the positions pane's TOTAL.",
        VALUATION_RULE,
    ]
    if valuation.exchange_value is not None:
        lines.append(
            f"The exchange values them at the bid: {fmt.dollars(valuation.exchange_value)}."
        )
    return "\n".join(lines)


class StatusBar(Widget):
    """The app header. Call `show(snapshot, now, day_pnl=...)` on store changes."""

    SNAPSHOT_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"environment", "balance", "trading", "health", "rate_headroom", "exchange"}
    )
    """Snapshot fields this pane renders; ages change with time too, so also `show` on a tick."""

    DEFAULT_CSS = """
    StatusBar {
        height: auto;
        background: $panel;
        color: $text;
    }
    StatusBar > Horizontal {
        height: 1;
    }
    StatusBar Label {
        padding: 0 1;
    }
    StatusBar #env {
        background: $success;
        color: $text;
        text-style: bold;
    }
    StatusBar.-prod #env {
        background: $error;
    }
    StatusBar .-up { color: $success; }
    StatusBar .-down { color: $error; }
    StatusBar .-stale { color: $text-disabled; }
    StatusBar #trading { text-style: bold; color: $success; }
    StatusBar.-reducing #trading { background: $warning; color: $text; }
    StatusBar.-halted #trading { background: $error; color: $text; }
    StatusBar #feeds.-error { color: $error; text-style: bold; }
    StatusBar #feeds.-stale { color: $warning; }
    StatusBar #rate.-low { color: $warning; }
    StatusBar #banner {
        display: none;
        width: 1fr;
        content-align: center middle;
        background: $warning;
        color: $text;
        text-style: bold;
    }
    StatusBar.-exchange-closed #banner {
        display: block;
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._shown: object = None
        self._last: tuple[Snapshot, float, Decimal | None] | None = None
        self.compact = False
        """Compact layout: the trading state without its reason and the cash as one total
        (both in their tooltips), no poll latency, so the feeds stay on an 80-column line."""

    def set_compact(self, compact: bool) -> None:
        """Switch to (or from) the compact header, redrawing with the last snapshot."""
        if compact == self.compact:
            return
        self.compact = compact
        if self._last is not None:
            self.show(*self._last)

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label("DEMO", id="env")
            yield Label("Cash —", id="cash")
            yield Label("Portfolio —", id="value")
            yield Label("Day —", id="pnl")
            yield Label("ACTIVE", id="trading")
            yield Label("feeds: starting", id="feeds")
            yield Label("rate —", id="rate")
        yield Label("", id="banner")

    def show(self, snapshot: Snapshot, now: float, day_pnl: Decimal | None = None) -> None:
        """Render the header; returns at once when nothing shown changed.

        `day_pnl` is the P&L since the start of the trading day, None while unknown.
        """
        self._last = (snapshot, now, day_pnl)
        feeds = summarize_feeds(snapshot.health, now)
        portfolio = snapshot.health.get("portfolio")
        money_stale = portfolio is None or portfolio.is_stale(now)
        valuation = value_portfolio(snapshot)
        key = (
            snapshot.environment,
            snapshot.balance,
            shown_shards(snapshot.balance, snapshot.positions, snapshot.markets_by_ticker),
            valuation.totals,
            money_stale,
            day_pnl,
            snapshot.trading,
            feeds,
            snapshot.rate_headroom,
            exchange_banner(snapshot.exchange),
            self.compact,
        )
        if key == self._shown:
            return
        self._shown = key

        prod = snapshot.environment.lower() not in ("demo", "")
        self.set_class(prod, "-prod")
        self._set("#env", "PROD" if prod else "DEMO")

        balance = snapshot.balance
        cash = cash_text(balance, snapshot.positions, snapshot.markets_by_ticker)
        if self.compact and balance is not None:
            cash = f"Cash {fmt.dollars(balance.cash)}"  # the shards are in the tooltip
        self._set("#cash", cash)
        self.query_one("#cash", Label).tooltip = cash_tooltip(balance)
        self._set("#value", portfolio_text(valuation, loaded=balance is not None))
        self.query_one("#value", Label).tooltip = portfolio_tooltip(valuation)
        for selector in ("#cash", "#value"):
            self.query_one(selector, Label).set_class(money_stale, "-stale")

        pnl = self.query_one("#pnl", Label)
        self._set("#pnl", f"Day {fmt.signed_dollars(day_pnl)}")
        pnl.tooltip = DAY_RULE
        pnl.set_class(day_pnl is not None and day_pnl > 0, "-up")
        pnl.set_class(day_pnl is not None and day_pnl < 0, "-down")

        trading = snapshot.trading
        mode = trading.mode.value
        full = trading_text(mode, trading.reason)
        self._set("#trading", mode if self.compact else full)
        self.query_one("#trading", Label).tooltip = full
        self.set_class(trading.mode is TradingMode.HALTED, "-halted")
        self.set_class(trading.mode is TradingMode.REDUCING, "-reducing")

        latency = "" if feeds.latency is None else f" · {fmt.milliseconds(feeds.latency)}"
        if self.compact:
            latency = ""
        feeds_label = self.query_one("#feeds", Label)
        self._set("#feeds", feeds.text + latency)
        feeds_label.set_class(feeds.state == "error", "-error")
        feeds_label.set_class(feeds.state == "stale", "-stale")

        headroom = snapshot.rate_headroom
        rate = "rate —" if headroom is None else f"rate {round(headroom * 100)}%"
        self._set("#rate", rate)
        self.query_one("#rate", Label).tooltip = RATE_RULE
        self.query_one("#rate", Label).set_class(
            headroom is not None and headroom < LOW_HEADROOM, "-low"
        )

        banner = exchange_banner(snapshot.exchange)
        self.set_class(banner is not None, "-exchange-closed")
        self._set("#banner", banner or "")

    def _set(self, selector: str, text: str) -> None:
        """Set a label's text without markup parsing (reasons and errors are free text)."""
        self.query_one(selector, Label).update(Content(text))
