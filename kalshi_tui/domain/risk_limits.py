"""The `[risk]` limits as the pure risk layer sees them.

`RiskLimits` is a plain frozen copy of the configured limits, so the gate and the halt
triggers never import the config package (the domain layer depends on nothing above it).
`RiskLimits.from_settings(settings.risk)` builds it from anything shaped like
`kalshi_tui.config.models.RiskSettings`; tests build it directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class RiskConfig(Protocol):
    """The `[risk]` section's fields this layer reads (satisfied by `RiskSettings`)."""

    @property
    def max_order_contracts(self) -> int: ...
    @property
    def max_order_notional_dollars(self) -> Decimal: ...
    @property
    def max_position_contracts(self) -> int: ...
    @property
    def max_event_loss_dollars(self) -> Decimal: ...
    @property
    def daily_loss_limit_dollars(self) -> Decimal: ...
    @property
    def max_drawdown_dollars(self) -> Decimal: ...
    @property
    def price_collar_cents(self) -> int: ...
    @property
    def max_open_orders(self) -> int: ...
    @property
    def max_orders_per_minute(self) -> int: ...
    @property
    def max_consecutive_errors(self) -> int: ...
    @property
    def unknown_order_timeout_seconds(self) -> float: ...
    @property
    def stale_data_seconds(self) -> float: ...
    @property
    def stale_halt_seconds(self) -> float: ...
    @property
    def max_clock_skew_seconds(self) -> float: ...


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """Every limit the gate and the triggers enforce. Defaults equal the config defaults."""

    max_order_contracts: Decimal = Decimal(100)
    max_order_notional_dollars: Decimal = Decimal("50.00")
    max_position_contracts: Decimal = Decimal(500)
    max_event_loss_dollars: Decimal = Decimal("250.00")
    daily_loss_limit_dollars: Decimal = Decimal("100.00")
    max_drawdown_dollars: Decimal = Decimal("200.00")
    price_collar_cents: Decimal = Decimal(10)
    max_open_orders: int = 50
    max_orders_per_minute: int = 60
    max_consecutive_errors: int = 5
    unknown_order_timeout_seconds: float = 30.0
    stale_data_seconds: float = 10.0
    """The order book an order is priced from must be younger than this."""
    stale_halt_seconds: float = 120.0
    """A watched feed older than this halts trading."""
    max_clock_skew_seconds: float = 2.0

    @property
    def price_collar(self) -> Decimal:
        """The collar in dollars."""
        return self.price_collar_cents / 100

    @classmethod
    def from_settings(cls, risk: RiskConfig) -> RiskLimits:
        """Copy the limits out of the `[risk]` config section."""
        return cls(
            max_order_contracts=Decimal(risk.max_order_contracts),
            max_order_notional_dollars=risk.max_order_notional_dollars,
            max_position_contracts=Decimal(risk.max_position_contracts),
            max_event_loss_dollars=risk.max_event_loss_dollars,
            daily_loss_limit_dollars=risk.daily_loss_limit_dollars,
            max_drawdown_dollars=risk.max_drawdown_dollars,
            price_collar_cents=Decimal(risk.price_collar_cents),
            max_open_orders=risk.max_open_orders,
            max_orders_per_minute=risk.max_orders_per_minute,
            max_consecutive_errors=risk.max_consecutive_errors,
            unknown_order_timeout_seconds=risk.unknown_order_timeout_seconds,
            stale_data_seconds=risk.stale_data_seconds,
            stale_halt_seconds=risk.stale_halt_seconds,
            max_clock_skew_seconds=risk.max_clock_skew_seconds,
        )
