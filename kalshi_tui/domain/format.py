"""Shared text formatters for prices, money, counts and ages.

Every pane formats numbers through these so a price reads the same everywhere.
Negative amounts use the typographic minus sign (U+2212) so they line up with
the plus sign in signed P&L columns. Prices are shown to Kalshi's finest tick,
$0.0001 (0.01¢): every price on a market's grid is shown exactly, sub-cent ones
included, and derived figures (an average cost of 209¢ / 3) are rounded half-even
to that tick for display only; the values themselves stay exact.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from kalshi_tui.domain.store import Health

MISSING = "—"
"""Shown where a value is absent (no quote, no mark). Never a zero."""

MINUS = "−"
"""U+2212 MINUS SIGN, for negative money."""

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
_TICK = Decimal("0.0001")
"""Kalshi's finest price tick in dollars; prices are displayed to it."""


def _plain(value: Decimal) -> str:
    """Fixed-point text of `value` without trailing zeros or exponent."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _to_tick(price: Decimal) -> Decimal:
    """`price` rounded half-even to Kalshi's finest tick (exact for any grid price); a value
    too large to carry 4 decimals in Decimal's precision is returned as it is."""
    try:
        return price.quantize(_TICK, rounding=ROUND_HALF_EVEN)
    except InvalidOperation:
        return price


def shift(value: Decimal, places: int) -> Decimal:
    """`value` × 10**places, exactly (no context rounding, however many digits)."""
    if not value.is_finite():
        return value
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    return Decimal((sign, digits, exponent + places))


def cents(price: Decimal | None) -> str:
    """A dollar price (or price difference) as cents, to the finest tick for display:
    0.43 → "43¢", 0.045 → "4.5¢", 0.355 → "35.5¢", 2.09/3 → "69.67¢", None → "—". The
    one price formatter of every message and pane (`exact_cents` for a price as typed)."""
    if price is None:
        return MISSING
    if not price.is_finite():
        return f"{price}¢"
    text = _plain(shift(_to_tick(price), 2))
    return f"{MINUS}{text[1:]}¢" if text.startswith("-") else f"{text}¢"


def exact_cents(price: Decimal | None) -> str:
    """A price as cents with every digit it has, never rounded: "1.005¢" for $0.01005. For
    what the trader typed (a message about a price finer than any tick must show that
    price); `cents` is for prices shown in panes."""
    if price is None:
        return MISSING
    if not price.is_finite():
        return f"{price}¢"
    text = _plain(shift(price, 2))
    return f"{MINUS}{text[1:]}¢" if text.startswith("-") else f"{text}¢"


def price_dollars(price: Decimal | None) -> str:
    """A dollar price as a decimal on the 0–1 scale, keeping sub-cent digits: "0.43", "0.045"."""
    if price is None:
        return MISSING
    text = _plain(_to_tick(price))
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def dollars(amount: Decimal | None) -> str:
    """Money rounded to the cent with thousands separators: "$1,234.56", "−$1.05"."""
    if amount is None:
        return MISSING
    rounded = amount.quantize(_CENT, rounding=ROUND_HALF_EVEN)
    sign = MINUS if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.2f}"


def exact_dollars(amount: Decimal | None) -> str:
    """Money to the cent, or to every sub-cent digit it has, never rounded: "$0.18",
    "$0.015", "$0.010097", "$1,234.5678". For fees and costs of fractional contracts and
    sub-cent prices, which `dollars` would round away."""
    if amount is None:
        return MISSING
    sign = MINUS if amount < 0 else ""
    magnitude = abs(amount)
    exponent = magnitude.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{sign}${magnitude:,.{places}f}"


def signed_dollars(amount: Decimal | None) -> str:
    """P&L with an explicit sign: "+$3.20", "−$1.05", "$0.00"."""
    if amount is None:
        return MISSING
    rounded = amount.quantize(_CENT, rounding=ROUND_HALF_EVEN)
    if rounded > 0:
        return f"+${rounded:,.2f}"
    return dollars(rounded)


def count(contracts: Decimal | None) -> str:
    """Contracts: whole numbers without decimals ("10"), fractional with two ("2.50")."""
    if contracts is None:
        return MISSING
    sign = MINUS if contracts < 0 else ""
    magnitude = abs(contracts)
    if magnitude == magnitude.to_integral_value():
        return f"{sign}{int(magnitude):,}"
    # Counts are at most two decimals on the wire; more digits are kept, not rounded.
    exponent = magnitude.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{sign}{magnitude:,.{places}f}"


def count_text(contracts: Decimal) -> str:
    """Contracts for an input box: as `count` shows them, without thousands separators
    ("10", not "10.00"; "2.50"; "1000")."""
    return count(contracts).replace(",", "").replace(MINUS, "-")


def percent(fraction: Decimal | None, places: int = 1) -> str:
    """A 0–1 fraction as a percentage: 0.518 → "51.8%"."""
    if fraction is None:
        return MISSING
    return f"{fraction * _HUNDRED:.{places}f}%"


def age(seconds: float | None) -> str:
    """A duration in its largest whole unit: "14s", "3m", "2h", "5d"; None → "never"."""
    if seconds is None:
        return "never"
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m"
    if whole < 86400:
        return f"{whole // 3600}h"
    return f"{whole // 86400}d"


def milliseconds(seconds: float | None) -> str:
    """A latency in whole milliseconds: 0.0834 → "83ms"."""
    if seconds is None:
        return MISSING
    return f"{round(seconds * 1000)}ms"


def staleness(health: Health | None, now: float) -> str | None:
    """None while a feed is fresh; otherwise "stale 14s", "loading" (its first poll is
    still under way, `Health.is_starting`) or "never loaded".

    A feed with no health record at all has never reported, so it reads as never loaded.
    """
    if health is None:
        return "never loaded"
    if not health.is_stale(now):
        return None
    if health.is_starting(now):
        return "loading"
    seconds = health.age(now)
    return "never loaded" if seconds is None else f"stale {age(seconds)}"
