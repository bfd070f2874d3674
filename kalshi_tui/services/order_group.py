"""The app-owned order group: every order the app places joins it, so the exchange can
cancel them all in one call.

Kalshi order groups cancel their orders when the matched contracts reach a limit, and the
simulator (and newer Kalshi deployments) also take an explicit trigger
(`PUT /portfolio/order_groups/{id}/trigger`) that cancels the group's orders and refuses
new ones until the group is reset. The kill switch triggers the group first; where the
trigger route does not exist it deletes the group (which also cancels its orders).

The group is created once per session by `OrderGroupKeeper.ensure()` (the order service
calls it before placing an order and sets `order_group_id` on the request). Its id is
written to the journal as an `order_group` event, so another process — `kalshi-tui halt`
in a second terminal — finds it with `current_order_group(journal)`.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

from kalshi_tui import api
from kalshi_tui.api._trading import route_missing
from kalshi_tui.journal import Journal

ORDER_GROUP_EVENT = "order_group"
"""Event kind recording the group's life: payload {"action", "order_group_id"}."""

DEFAULT_CONTRACTS_LIMIT = Decimal(1_000_000)
"""Matched contracts after which the exchange cancels the group by itself. The group is
a kill-switch handle, not a risk limit ([risk] does that), so the limit is far away."""


def current_order_group(journal: Journal) -> str | None:
    """The account's live app-owned group per the journal, or None (never created, or
    retired after a trigger that could not be undone)."""
    current: str | None = None
    for event in journal.events(kind=ORDER_GROUP_EVENT):
        action = event.payload.get("action")
        group_id = event.payload.get("order_group_id")
        if action == "created" and isinstance(group_id, str):
            current = group_id
        elif action == "retired" and group_id == current:
            current = None
    return current


class OrderGroupKeeper:
    """Creates the session's order group on first use and triggers/resets it."""

    def __init__(
        self,
        client: api.KalshiClient,
        journal: Journal,
        *,
        contracts_limit: Decimal = DEFAULT_CONTRACTS_LIMIT,
    ) -> None:
        self._client = client
        self._journal = journal
        self._limit = contracts_limit
        self._group_id: str | None = None
        self._lock = asyncio.Lock()

    @property
    def group_id(self) -> str | None:
        """This session's group, or the last one the journal knows (e.g. before `ensure`)."""
        return self._group_id or current_order_group(self._journal)

    async def ensure(self) -> str:
        """The session's group id, creating (and journaling) it on the first call."""
        async with self._lock:
            if self._group_id is None:
                group_id = await self._client.create_order_group(self._limit)
                self._journal.record_event(
                    ORDER_GROUP_EVENT,
                    {"action": "created", "order_group_id": group_id, "limit": self._limit},
                )
                self._group_id = group_id
            return self._group_id

    async def trigger(self) -> bool:
        """Cancel the group's orders exchange-side; False when there is no group.

        Raises the client's KalshiError when the exchange refuses (the caller falls back
        to batch and per-order cancels).
        """
        return await trigger_group(self._client, self._journal, self.group_id)

    async def reset_after_resume(self) -> None:
        """Let the group accept orders again after a resume; if it is gone, retire it so
        the next `ensure()` creates a new one."""
        group_id = self.group_id
        if group_id is None:
            return
        try:
            await self._client.reset_order_group(group_id)
        except api.KalshiError:
            self._retire(group_id, "reset failed after resume")

    async def rearm(self) -> str | None:
        """After a resume: reset the group (retired if that fails) and return the group new
        orders must join — the same one, a new one, or None if none could be created (orders
        then go without a group and a halt cancels them one by one). Without this, a reset
        that met a fault left the order service naming the triggered group, and the exchange
        refused every new order until a restart."""
        await self.reset_after_resume()
        if self.group_id is not None:
            return self.group_id
        try:
            return await self.ensure()
        except api.KalshiError:
            return None

    def _retire(self, group_id: str, why: str) -> None:
        self._journal.record_event(
            ORDER_GROUP_EVENT, {"action": "retired", "order_group_id": group_id, "why": why}
        )
        if self._group_id == group_id:
            self._group_id = None


async def trigger_group(client: api.KalshiClient, journal: Journal, group_id: str | None) -> bool:
    """Trigger `group_id` (delete it where the trigger route is missing); False if None."""
    if group_id is None:
        return False
    try:
        await client.trigger_order_group(group_id)
    except api.KalshiError as exc:
        if route_missing(exc):
            # No trigger route on this exchange: deleting the group cancels its orders.
            await client.delete_order_group(group_id)
            why = "deleted by the kill switch"
        elif isinstance(exc, api.NotFound):
            why = "not found on the exchange"  # nothing of ours can be in it
        else:
            raise
        journal.record_event(
            ORDER_GROUP_EVENT, {"action": "retired", "order_group_id": group_id, "why": why}
        )
        return why.startswith("deleted")
    return True
