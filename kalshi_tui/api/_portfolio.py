"""Authenticated portfolio reads (balance, positions, orders, fills, settlements) and
order groups.

List endpoints come in three forms: `get_x(cursor=...)` for one page, `iter_x(...)`
following cursors, and `get_all_x(...)` collecting everything. REST portfolio data
lags the matching engine slightly; the WebSocket is the primary source of truth.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import TypedDict, Unpack

from ._core import DEFAULT_MAX_PAGES, BaseClient
from ._numbers import format_count
from ._portfolio_models import (
    Balance,
    EventPosition,
    Fill,
    FillsPage,
    MarketPosition,
    Order,
    OrderGroup,
    OrdersPage,
    PositionsPage,
    Settlement,
    SettlementsPage,
)


class PositionFilters(TypedDict, total=False):
    limit: int
    count_filter: Sequence[str]
    """Keep rows where any of these is non-zero: "position", "total_traded"."""
    ticker: str
    event_ticker: str


class OrderFilters(TypedDict, total=False):
    limit: int
    ticker: str
    event_ticker: str | Sequence[str]
    min_ts: int
    max_ts: int
    status: str
    """resting, canceled or executed."""


class FillFilters(TypedDict, total=False):
    limit: int
    ticker: str
    order_id: str
    min_ts: int
    max_ts: int


class SettlementFilters(TypedDict, total=False):
    limit: int
    ticker: str
    event_ticker: str
    min_ts: int
    max_ts: int


class PortfolioMixin(BaseClient):
    """Endpoints under /portfolio that read state, plus order-group management."""

    async def get_balance(self) -> Balance:
        data = await self._read("/portfolio/balance", auth_required=True)
        return self._parse(Balance, data, "GET /portfolio/balance")

    # ---- positions -------------------------------------------------------------------

    async def get_positions(
        self, *, cursor: str | None = None, **filters: Unpack[PositionFilters]
    ) -> PositionsPage:
        data = await self._read(
            "/portfolio/positions", {**filters, "cursor": cursor}, auth_required=True
        )
        return self._parse(PositionsPage, data, "GET /portfolio/positions")

    async def get_all_positions(
        self, *, max_pages: int = DEFAULT_MAX_PAGES, **filters: Unpack[PositionFilters]
    ) -> PositionsPage:
        """Every page merged into one `PositionsPage` (cursor None)."""
        markets: list[MarketPosition] = []
        events: list[EventPosition] = []

        async def page(cursor: str | None) -> tuple[Sequence[MarketPosition], str | None]:
            result = await self.get_positions(cursor=cursor, **filters)
            events.extend(result.event_positions)
            return result.market_positions, result.cursor

        async for position in self._paginate(
            page, where="GET /portfolio/positions", max_pages=max_pages
        ):
            markets.append(position)
        return PositionsPage(market_positions=tuple(markets), event_positions=tuple(events))

    # ---- orders ----------------------------------------------------------------------

    async def get_orders(
        self, *, cursor: str | None = None, **filters: Unpack[OrderFilters]
    ) -> OrdersPage:
        data = await self._read(
            "/portfolio/orders", {**filters, "cursor": cursor}, auth_required=True
        )
        return self._parse(OrdersPage, data, "GET /portfolio/orders")

    async def iter_orders(
        self, *, max_pages: int = DEFAULT_MAX_PAGES, **filters: Unpack[OrderFilters]
    ) -> AsyncIterator[Order]:
        async def page(cursor: str | None) -> tuple[Sequence[Order], str | None]:
            result = await self.get_orders(cursor=cursor, **filters)
            return result.orders, result.cursor

        async for order in self._paginate(page, where="GET /portfolio/orders", max_pages=max_pages):
            yield order

    async def get_all_orders(
        self, *, max_pages: int = DEFAULT_MAX_PAGES, **filters: Unpack[OrderFilters]
    ) -> list[Order]:
        return [order async for order in self.iter_orders(max_pages=max_pages, **filters)]

    async def get_order(self, order_id: str) -> Order:
        where = f"GET /portfolio/orders/{order_id}"
        data = await self._read(f"/portfolio/orders/{order_id}", auth_required=True)
        return self._parse(Order, self._field(data, "order", where), where)

    async def find_order_by_client_id(
        self, client_order_id: str, **filters: Unpack[OrderFilters]
    ) -> Order | None:
        """Look an order up by `client_order_id` by listing (Kalshi has no such filter).

        Narrow with `ticker` and `min_ts`. REST lags the engine: a None right after an
        ambiguous create is not proof the order does not exist; retry for a few seconds.
        """
        async for order in self.iter_orders(**filters):
            if order.client_order_id == client_order_id:
                return order
        return None

    # ---- fills and settlements -------------------------------------------------------

    async def get_fills(
        self, *, cursor: str | None = None, **filters: Unpack[FillFilters]
    ) -> FillsPage:
        data = await self._read(
            "/portfolio/fills", {**filters, "cursor": cursor}, auth_required=True
        )
        return self._parse(FillsPage, data, "GET /portfolio/fills")

    async def iter_fills(
        self, *, max_pages: int = DEFAULT_MAX_PAGES, **filters: Unpack[FillFilters]
    ) -> AsyncIterator[Fill]:
        async def page(cursor: str | None) -> tuple[Sequence[Fill], str | None]:
            result = await self.get_fills(cursor=cursor, **filters)
            return result.fills, result.cursor

        async for fill in self._paginate(page, where="GET /portfolio/fills", max_pages=max_pages):
            yield fill

    async def get_all_fills(
        self, *, max_pages: int = DEFAULT_MAX_PAGES, **filters: Unpack[FillFilters]
    ) -> list[Fill]:
        """Every fill matching `filters` (use `min_ts` to fetch only recent ones)."""
        return [fill async for fill in self.iter_fills(max_pages=max_pages, **filters)]

    async def get_settlements(
        self, *, cursor: str | None = None, **filters: Unpack[SettlementFilters]
    ) -> SettlementsPage:
        data = await self._read(
            "/portfolio/settlements", {**filters, "cursor": cursor}, auth_required=True
        )
        return self._parse(SettlementsPage, data, "GET /portfolio/settlements")

    async def get_all_settlements(
        self, *, max_pages: int = DEFAULT_MAX_PAGES, **filters: Unpack[SettlementFilters]
    ) -> list[Settlement]:
        async def page(cursor: str | None) -> tuple[Sequence[Settlement], str | None]:
            result = await self.get_settlements(cursor=cursor, **filters)
            return result.settlements, result.cursor

        return [
            item
            async for item in self._paginate(
                page, where="GET /portfolio/settlements", max_pages=max_pages
            )
        ]

    # ---- order groups ----------------------------------------------------------------

    async def create_order_group(self, contracts_limit: Decimal) -> str:
        """Create a group that cancels its orders once `contracts_limit` are matched."""
        if contracts_limit <= 0:
            raise ValueError("contracts_limit must be positive")
        body: dict[str, object]
        if contracts_limit == contracts_limit.to_integral_value():
            body = {"contracts_limit": int(contracts_limit)}
        else:
            body = {"contracts_limit_fp": format_count(contracts_limit)}
        where = "POST /portfolio/order_groups/create"

        def parse(data: object) -> str:
            return str(self._field(data, "order_group_id", where))

        return await self._write(
            "POST",
            "/portfolio/order_groups/create",
            parse,
            operation="create_order_group",
            body=body,
        )

    async def get_order_groups(self) -> tuple[OrderGroup, ...]:
        where = "GET /portfolio/order_groups"
        data = await self._read("/portfolio/order_groups", auth_required=True)
        raw = data.get("order_groups") if isinstance(data, dict) else None
        if raw is None:
            raw = []  # an account with no groups may omit the list
        if not isinstance(raw, list):
            raw = [raw]
        return tuple(self._parse(OrderGroup, item, where) for item in raw)

    async def get_order_group(self, order_group_id: str) -> OrderGroup:
        where = f"GET /portfolio/order_groups/{order_group_id}"
        data = await self._read(f"/portfolio/order_groups/{order_group_id}", auth_required=True)
        if isinstance(data, dict) and isinstance(data.get("order_group"), dict):
            data = data["order_group"]
        if isinstance(data, dict) and data.get("id") is None:
            data = {**data, "id": order_group_id}
        return self._parse(OrderGroup, data, where)

    async def reset_order_group(self, order_group_id: str) -> None:
        """Re-enable a group that hit its limit (matched contracts back to zero)."""
        await self._write(
            "PUT",
            f"/portfolio/order_groups/{order_group_id}/reset",
            lambda _data: None,
            operation="reset_order_group",
            body={},
        )

    async def trigger_order_group(self, order_group_id: str) -> None:
        """Cancel every order in the group and refuse new ones until `reset_order_group`,
        as if its contracts limit were hit (the kill switch's exchange-side cancel)."""
        await self._write(
            "PUT",
            f"/portfolio/order_groups/{order_group_id}/trigger",
            lambda _data: None,
            operation="trigger_order_group",
            body={},
            priority="cancel",
        )

    async def delete_order_group(self, order_group_id: str) -> None:
        """Delete a group, which cancels every order in it (the group's trigger)."""
        await self._write(
            "DELETE",
            f"/portfolio/order_groups/{order_group_id}",
            lambda _data: None,
            operation="delete_order_group",
            priority="cancel",
        )
