"""What an order costs, risks and pays, in the words the ticket, the confirmation and the
amend dialog all show: one implementation of the preview text.

An order that trades against a position held in its market is previewed as the close it
is: the contracts it closes (FIFO lots, by the P&L engine's rule: `pnl.trade_effect`),
the proceeds, the realized P&L of those lots, and then — only if the order is larger
than the position — what the rest opens. An order that opens or adds is previewed by its
cost, taker fee, max payout, max loss and break-even (`portfolio.preview_ticket`).

The holding comes from the journal's FIFO book (`Snapshot.pnl`); without one (no fills
journaled yet) the exchange's position stands in as one lot at its average cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.models import Action, OrderBook, Side
from kalshi_tui.domain.pnl import trade_effect
from kalshi_tui.domain.portfolio import TicketPreview, preview_ticket
from kalshi_tui.domain.store import Snapshot

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Holding:
    """The open lots of one market: all of one side, oldest first."""

    side: Side
    lots: tuple[tuple[Decimal, Decimal], ...]
    """(contracts, price paid) per lot."""

    @property
    def contracts(self) -> Decimal:
        return sum((contracts for contracts, _ in self.lots), ZERO)


def holding(snapshot: Snapshot, ticker: str | None) -> Holding | None:
    """What the account holds in `ticker` (None when flat or unknown)."""
    if ticker is None:
        return None
    pnl = snapshot.pnl
    position = pnl.position(ticker) if pnl is not None else None
    if position is not None and position.contracts and position.lots:
        return Holding(position.side, position.lots)
    exchange = next((p for p in snapshot.positions if p.ticker == ticker), None)
    if exchange is not None and exchange.contracts and exchange.average_cost is not None:
        return Holding(exchange.side, ((abs(exchange.contracts), exchange.average_cost),))
    return None


def fee_basis(preview: TicketPreview) -> str:
    """Which rate the fee estimate uses: maker for an order that rests, taker for one that
    crosses, both (with their counts) for one that partly crosses."""
    if not preview.maker_count:
        return "taker"
    if not preview.taker_count:
        return "maker"
    return f"taker {fmt.count(preview.taker_count)} + maker {fmt.count(preview.maker_count)}"


def order_lines(
    side: Side,
    action: Action,
    price: Decimal,
    count: Decimal,
    held: Holding | None,
    *,
    book: OrderBook | None = None,
    post_only: bool = False,
    rests: bool = True,
) -> list[str]:
    """The preview lines of one order (`price` of `side`, `count` > 0) against `held`.

    The fee is an estimate (`portfolio.preview_ticket`): taker for what crosses `book`,
    maker for what rests (post-only, or a resting order that does not cross); with no
    book, all taker at the limit. The exchange charges the fills' own fees."""
    try:
        effect = trade_effect(
            held.side if held is not None else side,
            held.lots if held is not None else (),
            side,
            action,
            count,
            price,
        )
    except (ValueError, ArithmeticError):  # a holding the engine cannot book: preview as open
        effect = trade_effect(side, (), side, action, count, price)
    preview = preview_ticket(
        side, action, price, count, book=book, post_only=post_only, rests=rests
    )
    fee = preview.fee
    basis = "taker at the limit" if book is None and not post_only else fee_basis(preview)
    fee_text = f"fee ≈ {fmt.exact_dollars(fee)} est. ({basis})"
    lines: list[str] = []
    if effect.closed:
        held_side = effect.held_side.upper()
        lines += [
            f"Closes {fmt.count(effect.closed)} of {fmt.count(effect.held)} {held_side} held "
            "(oldest lots first)",
            f"Proceeds {fmt.dollars(effect.proceeds)} · {fee_text}",
            f"Realized P&L {fmt.signed_dollars(effect.realized)} "
            f"({fmt.signed_dollars(effect.realized - fee)} after fee); lots cost "
            f"{fmt.dollars(effect.closed_cost)}",
        ]
        if effect.opened:
            rest = preview_ticket(effect.opened_side, "buy", effect.opened_price, effect.opened)
            opened = effect.opened_side.upper()
            lines += [
                f"Then OPENS {fmt.count(effect.opened)} {opened} @ "
                f"{fmt.cents(effect.opened_price)}: cost {fmt.dollars(rest.cost)} · max loss "
                f"{fmt.dollars(rest.max_loss)}",
                f"Break-even of the new {opened} ≥ {fmt.percent(rest.break_even)}",
            ]
        return lines
    outcome = preview.outcome_side.upper()
    lines += [
        f"Cost {fmt.exact_dollars(preview.cost)} · {fee_text}",
        f"Max payout {fmt.dollars(preview.max_payout)} · Max loss {fmt.dollars(preview.max_loss)}"
        f" · Max profit {fmt.signed_dollars(preview.max_profit)}",
        f"Break-even {outcome} ≥ {fmt.percent(preview.break_even)}",
    ]
    if action == "sell":
        lines.append(
            f"No {side.upper()} held to close: this sell opens {fmt.count(count)} {outcome} "
            f"@ {fmt.cents(effect.opened_price)}"
        )
    return lines
