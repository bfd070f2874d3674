"""Intra-account transfers between exchange shards, journaled before they are sent.

Collateral is per shard on Kalshi (`getting_started/exchange_sharding.md`): an order on
shard 2 needs money on shard 2. `send_transfer` is the one procedure the app's transfer
dialog and `kalshi-tui transfer` share:

1. the request is checked (`TransferRequest.parse`: shards 0–100 and different, an amount
   of whole cents above zero) — a bad one is refused with a one-line reason, nothing sent;
2. a `transfer_intent` event (source, destination, amount) is journaled durably (fsync);
   a journal that cannot be written refuses the transfer and nothing is sent;
3. the request goes out once (a transfer has no idempotency key, so it is never resent);
4. a `transfer` event records the outcome under the intent's sequence number: `done` with
   the exchange's transfer id, `refused` with its error code and message, or `unknown`
   when the answer was lost (the trader checks the exchange's transfer list before trying
   again; the result says so).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Literal

from kalshi_tui import api

if TYPE_CHECKING:
    from kalshi_tui.journal import Journal

INTENT_EVENT = "transfer_intent"
RESULT_EVENT = "transfer"
MAX_SHARD = 100
CENT = Decimal("0.01")

Outcome = Literal["done", "refused", "unknown"]


class TransferRefused(Exception):
    """A transfer refused before anything was sent (bad input, a journal that cannot be
    written); the message is the one line to show."""


@dataclass(frozen=True, slots=True)
class TransferRequest:
    source: int
    destination: int
    amount: Decimal
    """Dollars, whole cents."""

    @classmethod
    def parse(cls, source: str | int, destination: str | int, amount: str) -> TransferRequest:
        """Read what a trader typed; TransferRefused names the field and the fix."""
        shards = []
        for name, value in (("from", source), ("to", destination)):
            try:
                shard = int(value)
            except (TypeError, ValueError):
                raise TransferRefused(
                    f"{name} shard {value!r}: give an exchange shard number, e.g. 0 or 2"
                ) from None
            if not 0 <= shard <= MAX_SHARD:
                raise TransferRefused(f"{name} shard {shard}: shards are 0–{MAX_SHARD}")
            shards.append(shard)
        if shards[0] == shards[1]:
            raise TransferRefused(f"from and to are both shard {shards[0]}: pick two shards")
        text = str(amount).strip().removeprefix("$").replace(",", "")
        try:
            dollars = Decimal(text)
        except InvalidOperation:
            raise TransferRefused(f"amount {amount!r}: give dollars, e.g. 100 or 100.00") from None
        if not dollars.is_finite() or dollars <= 0:
            raise TransferRefused(f"amount {amount!r}: must be more than $0")
        if dollars != dollars.quantize(CENT):
            raise TransferRefused(f"amount {amount!r}: whole cents only, e.g. 100.25")
        return cls(shards[0], shards[1], dollars.quantize(CENT))

    def describe(self) -> str:
        return f"${self.amount:,.2f} from shard {self.source} to shard {self.destination}"


@dataclass(frozen=True, slots=True)
class TransferResult:
    outcome: Outcome
    message: str
    """One line for the trader."""
    transfer_id: str | None = None
    code: str | None = None
    """The exchange's error code of a refusal."""
    intent_seq: int | None = None


async def send_transfer(
    client: api.KalshiClient, journal: Journal | None, request: TransferRequest
) -> TransferResult:
    """Journal the intent, send the transfer once, journal its outcome (module docstring).

    Raises TransferRefused when the intent cannot be journaled (nothing sent). Without a
    journal (a session without one) nothing is recorded."""
    seq: int | None = None
    if journal is not None:
        try:
            seq = journal.record_event(
                INTENT_EVENT,
                {
                    "source": request.source,
                    "destination": request.destination,
                    "amount": str(request.amount),
                },
            )
        except Exception as exc:  # a full disk, a closed journal: nothing may be sent
            raise TransferRefused(
                f"transfer not sent: the journal could not record it ({exc})"
            ) from exc
    try:
        transfer_id = await client.transfer_between_shards(
            source=request.source, destination=request.destination, amount=request.amount
        )
    except (api.AmbiguousWriteError, api.TransportError, api.ExchangeUnavailable) as exc:
        result = TransferResult(
            "unknown",
            f"transfer of {request.describe()} may or may not have happened ({exc}); check "
            "the exchange's transfer list before sending it again",
            intent_seq=seq,
        )
    except api.KalshiError as exc:
        result = TransferResult(
            "refused",
            f"transfer of {request.describe()} refused by the exchange: {exc}",
            code=exc.code,
            intent_seq=seq,
        )
    else:
        result = TransferResult(
            "done",
            f"transferred {request.describe()} (transfer {transfer_id})",
            transfer_id=transfer_id,
            intent_seq=seq,
        )
    return result if journal is None else _record_outcome(journal, request, result)


def _record_outcome(
    journal: Journal, request: TransferRequest, result: TransferResult
) -> TransferResult:
    """The outcome event; a failure to write it is reported in the result, never raised
    (the transfer itself already happened or did not)."""
    try:
        journal.record_event(
            RESULT_EVENT,
            {
                "intent_seq": result.intent_seq,
                "outcome": result.outcome,
                "transfer_id": result.transfer_id,
                "code": result.code,
                "source": request.source,
                "destination": request.destination,
                "amount": str(request.amount),
                "message": result.message,
            },
        )
    except Exception as exc:
        return replace(result, message=f"{result.message}; its outcome is not journaled ({exc})")
    return result
