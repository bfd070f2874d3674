"""What one engine call changed, for the stream (`kalshi_tui.exchange.ws`).

The engine records into `State.changes` only while a `Changes` is installed there (the stream
installs one while anyone is subscribed), so without subscribers every hook is one `None`
test. The stream takes the record after each engine call (`Exchange.take_changes`) and turns
it into messages; nothing here knows about the wire.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kalshi_tui.exchange.engine.views import FillView, TradeView

LifecycleEvent = tuple[str, str, int]
"""(ticker, event_type, at_ms): `created`, `deactivated`, `activated`, `close_date_updated`,
`determined`, `settled` (Kalshi's `market_lifecycle_v2` event types)."""

GroupEvent = tuple[str, str, str, int, int | None]
"""(order_group_id, user_id, event_type, at_ms, contracts_limit or None): `created`,
`triggered`, `reset`, `deleted`, `limit_updated`."""


@dataclass(slots=True)
class Changes:
    """Everything observable that changed since the record was last taken."""

    markets: dict[str, None] = field(default_factory=dict)
    """Markets whose book, quotes, last price, volume or open interest may have changed."""
    orders: dict[str, str] = field(default_factory=dict)
    """Order id → user id of users' (not agents') orders created or changed, in order of
    first change."""
    positions: dict[tuple[str, str], None] = field(default_factory=dict)
    """(user_id, ticker) of users' positions changed by fills or settlement."""
    trades: list[TradeView] = field(default_factory=list)
    fills: list[FillView] = field(default_factory=list)
    """Users' fills only (agents keep none)."""
    lifecycle: list[LifecycleEvent] = field(default_factory=list)
    groups: list[GroupEvent] = field(default_factory=list)
    events: list[tuple[str, int]] = field(default_factory=list)
    """(event_ticker, at_ms) of events listed; their markets' `created` is in `lifecycle`."""

    def __bool__(self) -> bool:
        return bool(
            self.markets
            or self.orders
            or self.positions
            or self.trades
            or self.fills
            or self.lifecycle
            or self.groups
            or self.events
        )
