"""Helpers shared by the journal tests: a controllable clock and a fill factory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from kalshi_tui.domain.models import Fill

START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_fill(
    fill_id: str,
    *,
    ticker: str = "KXFED-26DEC-T4.00",
    side: str = "yes",
    action: str = "buy",
    count: str = "4",
    price: str = "0.43",
    fee: str = "0.07",
    at: datetime = START,
    order_id: str = "order-1",
) -> Fill:
    assert side in ("yes", "no")
    assert action in ("buy", "sell")
    return Fill(
        fill_id=fill_id,
        order_id=order_id,
        ticker=ticker,
        side=side,  # type: ignore[arg-type]
        action=action,  # type: ignore[arg-type]
        count=Decimal(count),
        price=Decimal(price),
        is_taker=True,
        fee=Decimal(fee),
        created_time=at,
    )
