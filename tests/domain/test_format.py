"""Shared formatters: cents with sub-cent precision, money, counts, ages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.store import Health


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("0.43", "43¢"),
        ("0.4300", "43¢"),
        ("0.045", "4.5¢"),
        ("0.0450", "4.5¢"),
        ("0.0001", "0.01¢"),
        ("0.99", "99¢"),
        ("0.905", "90.5¢"),
        # Derived figures (averages) are rounded half-even to the 0.01¢ tick for display.
        (str(Decimal("2.09") / 3), "69.67¢"),
        ("0.00005", "0¢"),
        ("0.00015", "0.02¢"),
    ],
)
def test_cents(price: str, expected: str) -> None:
    assert fmt.cents(Decimal(price)) == expected


def test_cents_missing_is_a_dash_not_zero() -> None:
    assert fmt.cents(None) == "—"


@pytest.mark.parametrize(
    ("price", "expected"),
    [("0.43", "0.43"), ("0.4", "0.40"), ("0.0450", "0.045"), ("0.696666", "0.6967")],
)
def test_price_dollars(price: str, expected: str) -> None:
    assert fmt.price_dollars(Decimal(price)) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1234.56", "$1,234.56"),
        ("0", "$0.00"),
        ("-1.05", "−$1.05"),
        ("5.175", "$5.18"),
        ("1000000", "$1,000,000.00"),
    ],
)
def test_dollars(amount: str, expected: str) -> None:
    assert fmt.dollars(Decimal(amount)) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("3.2", "+$3.20"), ("-1.05", "−$1.05"), ("0", "$0.00"), ("-0.001", "$0.00")],
)
def test_signed_dollars(amount: str, expected: str) -> None:
    assert fmt.signed_dollars(Decimal(amount)) == expected


@pytest.mark.parametrize(
    ("contracts", "expected"),
    [
        ("10", "10"),
        ("10.00", "10"),
        ("2.5", "2.50"),
        ("2.50", "2.50"),
        ("1500", "1,500"),
        ("-3", "−3"),
        ("0.125", "0.125"),
    ],
)
def test_count(contracts: str, expected: str) -> None:
    assert fmt.count(Decimal(contracts)) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "0s"),
        (14.9, "14s"),
        (59, "59s"),
        (180, "3m"),
        (7200, "2h"),
        (3 * 86400, "3d"),
        (-2, "0s"),
        (None, "never"),
    ],
)
def test_age(seconds: float | None, expected: str) -> None:
    assert fmt.age(seconds) == expected


def test_percent_and_milliseconds() -> None:
    assert fmt.percent(Decimal("0.518")) == "51.8%"
    assert fmt.percent(None) == "—"
    assert fmt.milliseconds(0.0834) == "83ms"
    assert fmt.milliseconds(None) == "—"


def test_staleness() -> None:
    fresh = Health(interval=1.0, stale_after=10.0, last_success=100.0)
    assert fmt.staleness(fresh, now=105.0) is None
    assert fmt.staleness(fresh, now=114.0) == "stale 14s"
    assert fmt.staleness(Health(interval=1.0, stale_after=10.0), now=5.0) == "never loaded"
    assert fmt.staleness(None, now=5.0) == "never loaded"


def test_a_huge_price_is_formatted_not_raised() -> None:
    # Issue 12: a fuzzed 1E+30 made the risk gate's message raise (refused as risk_error).
    assert fmt.cents(Decimal("1E+30")) == "100000000000000000000000000000000¢"
    assert fmt.exact_cents(Decimal("0.01005")) == "1.005¢"
    assert fmt.exact_cents(Decimal("-0.5")) == "−50¢"
