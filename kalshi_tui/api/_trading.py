"""Order writes: create, cancel, batch cancel, cancel-all, amend, decrease.

Kalshi has two generations of order routes. V2 (`/portfolio/events/orders`, April
2026) is current; V1 (`/portfolio/orders`) mutations were retired in June 2026 with
410 `deprecated_v1_order_endpoint`, but older deployments and simulators in
compatibility mode only speak V1. In "auto" mode the client starts with V2 and, if
the exchange answers a V2 route with 404/405 *without* a Kalshi error code (a route
that does not exist, as opposed to `not_found` for an unknown order), switches to V1
for the rest of the session; if V1 then answers 410 it switches back to V2 for good.
Either switch re-sends the same request, which is safe because both answers mean
the request was not applied.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any, Literal, TypeVar

from ._errors import (
    AmbiguousWriteError,
    DeprecatedEndpoint,
    KalshiError,
    NotFound,
    error_info_from_object,
)
from ._orders import (
    AmendRequest,
    OrderRequest,
    decrease_body,
    v1_amend_body,
    v1_order_body,
    v2_amend_body,
    v2_order_body,
)
from ._portfolio import PortfolioMixin
from ._portfolio_models import (
    AmendResult,
    BatchCancelItem,
    CancelAllResult,
    ItemError,
    Order,
    OrderAck,
    OrderReduction,
)
from ._ratelimit import Priority

T = TypeVar("T")
OrderApi = Literal["v1", "v2"]
OrderApiMode = Literal["v1", "v2", "auto"]

BATCH_CANCEL_LIMIT = 20
"""Kalshi accepts at most 20 ids per batch cancel; larger requests are split."""

V1_ORDERS = "/portfolio/orders"
V2_ORDERS = "/portfolio/events/orders"


def route_missing(exc: KalshiError) -> bool:
    """True for a 404/405 saying the route itself is absent, not a resource on it: a
    reply with no Kalshi error code (a plain router page), or one whose details are a URL
    path, as the simulator answers unknown routes (docs/WIRE.md). A missing order or
    market names the resource instead, and never triggers a fallback."""
    if exc.status not in (404, 405):
        return False
    if exc.code is None:
        return True
    return isinstance(exc.details, str) and exc.details.startswith("/trade-api/")


def _is_gone(item: BatchCancelItem) -> bool:
    return item.error is not None and (item.error.code or "").lower().startswith("not_found")


class TradingMixin(PortfolioMixin):
    """Order mutations, routed to the V2 or V1 API."""

    _order_api_mode: OrderApiMode
    _active_order_api: OrderApi
    _v1_retired: bool

    def _init_order_api(self, mode: OrderApiMode) -> None:
        if mode not in ("v1", "v2", "auto"):
            raise ValueError(f"order_api must be 'v1', 'v2' or 'auto', got {mode!r}")
        self._order_api_mode = mode
        self._active_order_api = "v1" if mode == "v1" else "v2"
        self._v1_retired = False

    @property
    def order_api(self) -> OrderApi:
        """The order API in use now ("auto" resolves to one of these)."""
        return self._active_order_api

    async def _routed(self, call: Callable[[OrderApi], Awaitable[T]]) -> T:
        api = self._active_order_api
        try:
            return await call(api)
        except KalshiError as exc:
            if self._order_api_mode != "auto" or isinstance(exc, AmbiguousWriteError):
                raise
            if api == "v2" and not self._v1_retired and route_missing(exc):
                self._active_order_api = "v1"
                return await call("v1")
            if api == "v1" and isinstance(exc, DeprecatedEndpoint):
                self._active_order_api = "v2"
                self._v1_retired = True
                return await call("v2")
            raise

    # ---- create --------------------------------------------------------------------

    async def create_order(self, order: OrderRequest) -> OrderAck:
        """Place a limit order. Raises OrderRejected (and subclasses) on refusal and
        AmbiguousWriteError when the outcome is unknown."""

        async def call(api: OrderApi) -> OrderAck:
            if api == "v2":
                return await self._write(
                    "POST",
                    V2_ORDERS,
                    lambda data: self._parse(OrderAck, data, f"POST {V2_ORDERS}"),
                    operation="create_order",
                    body=v2_order_body(order),
                    client_order_id=order.client_order_id,
                )
            return await self._write(
                "POST",
                V1_ORDERS,
                lambda data: OrderAck.from_order(self._order_in(data, f"POST {V1_ORDERS}")),
                operation="create_order",
                body=v1_order_body(order),
                client_order_id=order.client_order_id,
            )

        return await self._routed(call)

    def _order_in(self, data: object, where: str) -> Order:
        return self._parse(Order, self._field(data, "order", where), where)

    # ---- cancel --------------------------------------------------------------------

    async def cancel_order(
        self, order_id: str, *, ticker: str | None = None, priority: Priority = "cancel"
    ) -> OrderReduction:
        """Cancel one order. 404 NotFound means it is no longer resting. `ticker` (the
        order's market, when known) lets V2 route the cancel to the order's shard."""

        async def call(api: OrderApi) -> OrderReduction:
            path = f"{V2_ORDERS if api == 'v2' else V1_ORDERS}/{order_id}"
            return await self._write(
                "DELETE",
                path,
                lambda data: self._reduction(data, f"DELETE {path}"),
                operation="cancel_order",
                params={"market_ticker": ticker} if api == "v2" else None,
                priority=priority,
                order_id=order_id,
            )

        return await self._routed(call)

    def _reduction(self, data: Any, where: str) -> OrderReduction:
        """V2: `{order_id, reduced_by | remaining_count, ...}`; V1: `{order, reduced_by_fp?}`."""
        if isinstance(data, dict) and isinstance(data.get("order"), dict):
            order = self._order_in(data, where)
            flat = {
                "order_id": order.order_id,
                "client_order_id": order.client_order_id,
                "reduced_by_fp": data.get("reduced_by_fp"),
                "reduced_by": data.get("reduced_by"),
            }
            reduction = self._parse(OrderReduction, flat, where)
            return reduction.model_copy(
                update={"order": order, "remaining_count": order.remaining_count}
            )
        return self._parse(OrderReduction, data, where)

    async def batch_cancel_orders(
        self, orders: Sequence[str | Order], *, priority: Priority = "cancel"
    ) -> list[BatchCancelItem]:
        """Cancel many orders, 20 per request; per-order errors are in the items.

        Each entry is an order id, or an order from a listing, whose ticker goes with the
        cancel (`market_ticker`) so the exchange routes it to the order's shard. An
        unclear outcome for any chunk raises AmbiguousWriteError (re-list to see what is
        still resting).
        """
        targets = [cancel_target(order) for order in orders]
        items: list[BatchCancelItem] = []
        for start in range(0, len(targets), BATCH_CANCEL_LIMIT):
            chunk = targets[start : start + BATCH_CANCEL_LIMIT]

            async def call(
                api: OrderApi, chunk: list[dict[str, str]] = chunk
            ) -> list[BatchCancelItem]:
                return await self._cancel_chunk(api, chunk, priority)

            items.extend(await self._routed(call))
        return items

    async def _cancel_chunk(
        self, api: OrderApi, chunk: list[dict[str, str]], priority: Priority
    ) -> list[BatchCancelItem]:
        path = f"{V2_ORDERS if api == 'v2' else V1_ORDERS}/batched"
        where = f"DELETE {path}"

        def parse(data: object) -> list[BatchCancelItem]:
            raw = self._field(data, "orders", where)
            if not isinstance(raw, list):
                raw = [raw]
            return [self._parse(BatchCancelItem, _item_with_error(item), where) for item in raw]

        # Both generations document `{"orders": [{"order_id", "market_ticker"?, ...}]}`
        # (V1's `{"ids": [...]}` is deprecated).
        return await self._write(
            "DELETE",
            path,
            parse,
            operation="batch_cancel",
            body={"orders": chunk},
            # Billed per order at the single cancel's cost (the docs' batch rule).
            cost=self._costs.per_order("DELETE", f"{V2_ORDERS}/{{order_id}}", len(chunk)),
            priority=priority,
        )

    async def cancel_all_orders(self, *, ticker: str | None = None) -> CancelAllResult:
        """Cancel every resting order (optionally in one market).

        Only documented routes: list the resting orders, batch-cancel them (each with its
        market ticker), then cancel one by one whatever a batch did not take — a chunk
        refused or unclear as a whole, or an item that failed for a reason other than
        `not_found`. Repeating a cancel is safe: one that already landed answers 404.
        Orders already gone count as cancelled; the rest are in `failed`. Raises only if
        the listing fails.
        """
        if ticker is not None:
            resting = await self.get_all_orders(status="resting", ticker=ticker)
        else:
            resting = await self.get_all_orders(status="resting")
        cancelled: list[str] = []
        retry: list[Order] = []
        for start in range(0, len(resting), BATCH_CANCEL_LIMIT):
            chunk = resting[start : start + BATCH_CANCEL_LIMIT]
            try:
                items = await self.batch_cancel_orders(chunk)
            except KalshiError:
                retry.extend(chunk)
                continue
            done = {item.order_id for item in items if item.ok or _is_gone(item)}
            cancelled.extend(order.order_id for order in chunk if order.order_id in done)
            retry.extend(order for order in chunk if order.order_id not in done)
        failed: list[BatchCancelItem] = []
        for order in retry:
            try:
                await self.cancel_order(order.order_id, ticker=order.ticker)
            except NotFound:
                pass  # gone already: filled, or the batch's cancel did land
            except KalshiError as exc:
                error = ItemError(code=exc.code, message=exc.message, details=exc.details)
                failed.append(BatchCancelItem(order_id=order.order_id, error=error))
                continue
            cancelled.append(order.order_id)
        return CancelAllResult(
            count=len(cancelled), order_ids=tuple(cancelled), failed=tuple(failed)
        )

    # ---- amend and decrease --------------------------------------------------------

    async def amend_order(self, amend: AmendRequest) -> AmendResult:
        """Change price and/or total count; an amend can cross and fill."""

        async def call(api: OrderApi) -> AmendResult:
            base = V2_ORDERS if api == "v2" else V1_ORDERS
            path = f"{base}/{amend.order_id}/amend"
            body = v2_amend_body(amend) if api == "v2" else v1_amend_body(amend)
            return await self._write(
                "POST",
                path,
                lambda data: self._amend_result(data, amend.order_id, f"POST {path}"),
                operation="amend_order",
                body=body,
                client_order_id=amend.client_order_id,
                order_id=amend.order_id,
            )

        return await self._routed(call)

    def _amend_result(self, data: Any, order_id: str, where: str) -> AmendResult:
        if isinstance(data, dict) and isinstance(data.get("order"), dict):
            order = self._order_in(data, where)
            old = data.get("old_order")
            return AmendResult(
                order_id=order.order_id,
                client_order_id=order.client_order_id,
                fill_count=order.fill_count,
                remaining_count=order.remaining_count,
                order=order,
                old_order=self._parse(Order, old, where) if isinstance(old, dict) else None,
            )
        return self._parse(AmendResult, data, where)

    async def decrease_order(
        self,
        order_id: str,
        *,
        reduce_by: Decimal | None = None,
        reduce_to: Decimal | None = None,
    ) -> OrderReduction:
        """Shrink a resting order by `reduce_by`, or to `reduce_to` (0 cancels it)."""

        async def call(api: OrderApi) -> OrderReduction:
            path = f"{V2_ORDERS if api == 'v2' else V1_ORDERS}/{order_id}/decrease"
            return await self._write(
                "POST",
                path,
                lambda data: self._reduction(data, f"POST {path}"),
                operation="decrease_order",
                body=decrease_body(api, reduce_by, reduce_to),
                order_id=order_id,
            )

        return await self._routed(call)


def cancel_target(order: str | Order) -> dict[str, str]:
    """One item of a batch cancel body: the id, and the ticker when it is known."""
    if isinstance(order, str):
        return {"order_id": order}
    return {"order_id": order.order_id, "market_ticker": order.ticker}


def _item_with_error(item: object) -> object:
    """Batch items carry the inner error shape, or occasionally a bare string."""
    if isinstance(item, dict) and item.get("error") is not None:
        info = error_info_from_object({"error": item["error"]})
        error = ItemError(code=info.code, message=info.message, details=info.details)
        return {**item, "error": error}
    return item
