"""Intra-account transfers: moving collateral between the account's exchange shards.

Kalshi checks collateral inside each shard's matching engine, so an order on a shard needs
money there first (`getting_started/exchange_sharding.md`). `transfer_between_shards`
sends `POST /portfolio/intra_exchange_instance_transfer` (the amount in integer centicents,
both instances `event_contract`); Kalshi processes it asynchronously, so its `status` is
`pending` until `complete` (`get_transfer`). A transfer carries no idempotency key: after an
ambiguous answer, list the transfers before sending it again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import field_validator

from ._core import DEFAULT_MAX_PAGES, BaseClient
from ._wire import FieldMap, WireModel, blank_cursor

CENTICENTS_PER_DOLLAR = 10_000
MAX_SHARD = 100
"""The highest exchange shard index the transfer request accepts."""


class Transfer(WireModel):
    """One intra-account transfer (`IntraExchangeInstanceTransfer`)."""

    wire_money: ClassVar[FieldMap] = {"amount": (("amount",), None)}
    transfer_id: str
    source: str
    destination: str
    source_exchange_shard: int
    destination_exchange_shard: int
    amount: Decimal
    """Dollars."""
    status: str
    """`pending` or `complete` (a string, so a new status does not break listing)."""
    created_ts: int

    @property
    def created(self) -> datetime:
        return datetime.fromtimestamp(self.created_ts, tz=UTC)


class TransfersPage(WireModel):
    transfers: tuple[Transfer, ...]
    cursor: str | None = None

    @field_validator("cursor", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return blank_cursor(value)


def centicents(amount: Decimal) -> int:
    """Dollars as the request's integer centicents; ValueError for an amount that is not
    positive or finer than $0.0001."""
    if not amount.is_finite() or amount <= 0:
        raise ValueError(f"transfer amount must be a positive number of dollars, not {amount}")
    scaled = amount * CENTICENTS_PER_DOLLAR
    if scaled != scaled.to_integral_value():
        raise ValueError(f"transfer amount {amount} is finer than $0.0001")
    return int(scaled)


def check_shard(index: int, what: str) -> None:
    if not 0 <= index <= MAX_SHARD:
        raise ValueError(f"{what} {index} is not an exchange shard (0–{MAX_SHARD})")


class TransfersMixin(BaseClient):
    """The intra-account transfer routes."""

    async def transfer_between_shards(
        self, *, source: int, destination: int, amount: Decimal
    ) -> str:
        """Move `amount` dollars of free balance from shard `source` to `destination`;
        returns the transfer id. Refusals raise the client's errors (`InsufficientBalance`
        for more than the source shard holds free, `RequestRejected` for a bad shard)."""
        check_shard(source, "source shard")
        check_shard(destination, "destination shard")
        if source == destination:
            raise ValueError(f"source and destination are both shard {source}")
        body = {
            "source": "event_contract",
            "destination": "event_contract",
            "amount": centicents(amount),
            "source_exchange_shard": source,
            "destination_exchange_shard": destination,
        }
        where = "POST /portfolio/intra_exchange_instance_transfer"

        def parse(data: object) -> str:
            return str(self._field(data, "transfer_id", where))

        return await self._write(
            "POST",
            "/portfolio/intra_exchange_instance_transfer",
            parse,
            operation="intra_exchange_transfer",
            body=body,
        )

    async def get_transfers(
        self, *, cursor: str | None = None, limit: int | None = None
    ) -> TransfersPage:
        data = await self._read(
            "/portfolio/intra_exchange_instance_transfers",
            {"cursor": cursor, "limit": limit},
            auth_required=True,
        )
        return self._parse(TransfersPage, data, "GET /portfolio/intra_exchange_instance_transfers")

    async def iter_transfers(
        self, *, max_pages: int = DEFAULT_MAX_PAGES, limit: int | None = 500
    ) -> AsyncIterator[Transfer]:
        """Every transfer, newest first, following cursors."""

        async def page(cursor: str | None) -> tuple[Sequence[Transfer], str | None]:
            result = await self.get_transfers(cursor=cursor, limit=limit)
            return result.transfers, result.cursor

        async for transfer in self._paginate(
            page, where="GET /portfolio/intra_exchange_instance_transfers", max_pages=max_pages
        ):
            yield transfer

    async def get_transfer(self, transfer_id: str) -> Transfer:
        where = f"GET /portfolio/intra_exchange_instance_transfers/{transfer_id}"
        data = await self._read(
            f"/portfolio/intra_exchange_instance_transfers/{transfer_id}", auth_required=True
        )
        if isinstance(data, dict):
            data = data.get("transfer")
        return self._parse(Transfer, data, where)
