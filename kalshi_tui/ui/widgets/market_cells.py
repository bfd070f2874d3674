"""Cell text for the market table: prices, changes, volumes, relative close times.

Plain functions with no Textual dependency, so the formats are unit tested on
their own and the widget only pads and styles what they return.

Price format: YES prices arrive in dollars as `Decimal` and are shown in cents,
whole cents without decimals ("43¢") and sub-cent prices with only the digits
they need ("43.5¢", "0.25¢"), up to Kalshi's $0.0001 tick. A missing price is
"—", never "0¢": no quote must not read as a free price.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from kalshi_tui.domain.market import MarketSummary

MISSING = "—"
"""Shown for a value the exchange did not give (no quote, no last trade)."""

_CENT_QUANTUM = Decimal("0.01")
_HUNDRED = Decimal(100)

# Lifecycle states in which a market no longer trades, whatever its close time says.
_CLOSED_STATUSES = frozenset({"closed", "determined", "finalized", "settled", "disputed"})
_PAUSED_STATUSES = frozenset({"inactive", "paused"})

# Control characters would break a terminal line; map each to a space.
_CONTROL = {code: " " for code in [*range(0x00, 0x20), 0x7F]}


def _cents_text(cents: Decimal) -> str:
    if cents == cents.to_integral_value():
        return f"{int(cents)}"
    # Normalize drops trailing zeros ("43.50" -> "43.5"); format "f" avoids "4E+1".
    return f"{cents.quantize(_CENT_QUANTUM, rounding=ROUND_HALF_EVEN).normalize():f}"


def format_price(price: Decimal | None) -> str:
    """A YES price in dollars as cents: "43¢", "4.3¢", or "—" when missing."""
    if price is None:
        return MISSING
    return f"{_cents_text(price * _HUNDRED)}¢"


def format_change(change: Decimal | None) -> str:
    """A signed price change in cents: "+3¢", "-2.5¢", "0¢", or "—" when unknown."""
    if change is None:
        return MISSING
    cents = change * _HUNDRED
    if cents == 0:
        return "0¢"
    sign = "+" if cents > 0 else "-"
    return f"{sign}{_cents_text(abs(cents))}¢"


def format_volume(volume: Decimal) -> str:
    """A contract count compacted to at most 6 characters: "9,999", "12.3k", "4.5M"."""
    if volume < 10_000:
        return f"{volume:,.0f}"
    for divisor, suffix in ((Decimal(1_000), "k"), (Decimal(1_000_000), "M")):
        scaled = volume / divisor
        if scaled < 1_000:
            return f"{scaled:.1f}{suffix}" if scaled < 100 else f"{scaled:.0f}{suffix}"
    return f"{volume / Decimal(1_000_000_000):.1f}B"


def format_close(market: MarketSummary, now: datetime) -> str:
    """Time left until the market closes: "42m", "3h12m", "5d04h", "closed" or "paused"."""
    if market.status in _CLOSED_STATUSES:
        return "closed"
    seconds = int((market.close_time - now).total_seconds())
    if seconds <= 0:
        return "closed"
    if market.status in _PAUSED_STATUSES:
        return "paused"
    minutes = seconds // 60
    if minutes < 1:
        return "<1m"
    hours, minutes = divmod(minutes, 60)
    if hours < 1:
        return f"{minutes}m"
    days, hours = divmod(hours, 24)
    if days < 1:
        return f"{hours}h{minutes:02d}m"
    if days < 100:
        return f"{days}d{hours:02d}h"
    return f"{days}d"


def clean_text(text: str) -> str:
    """`text` with control characters (newlines, tabs, escapes) replaced by spaces."""
    return text.translate(_CONTROL)
