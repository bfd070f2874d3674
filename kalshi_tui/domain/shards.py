"""The account's money per exchange shard, as the header and the transfer dialog show it.

Kalshi holds collateral per shard (`exchange_index`): shard 0 is the default exchange and,
for example, crypto markets trade on shard 2, whose orders draw only on the money there.
While everything is on shard 0 the header says `Cash $10,000.00` as before; once another
shard has money or a position it lists them: `Cash $9,000.00 · #2 $1,000.00` (shard 0
first, then each other shard by index).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import Balance, Position

ZERO = Decimal(0)


def shard_of(ticker: str, markets: Mapping[str, MarketSummary]) -> int:
    """The exchange shard `ticker` trades on (0 for a market not loaded)."""
    market = markets.get(ticker)
    return 0 if market is None else market.exchange_index


def shown_shards(
    balance: Balance | None,
    positions: Iterable[Position],
    markets: Mapping[str, MarketSummary],
) -> tuple[tuple[int, Decimal], ...]:
    """(shard, free balance) for shard 0 and every shard with money or an open position;
    empty while only shard 0 matters."""
    if balance is None:
        return ()
    money = {index: amount for index, amount in balance.by_shard()}
    used = {index for index, amount in money.items() if amount != 0}
    used |= {shard_of(p.ticker, markets) for p in positions if p.contracts != 0}
    if not used - {0}:
        return ()
    return tuple((index, money.get(index, ZERO)) for index in sorted(used | {0}))


def cash_text(
    balance: Balance | None,
    positions: Iterable[Position],
    markets: Mapping[str, MarketSummary],
) -> str:
    """The header's cash segment: `Cash $X`, or per shard `Cash $X · #2 $Y`."""
    if balance is None:
        return f"Cash {fmt.MISSING}"
    rows = shown_shards(balance, positions, markets)
    if not rows:
        return f"Cash {fmt.dollars(balance.cash)}"
    first, *others = rows
    parts = [f"Cash {fmt.dollars(first[1])}"] + [f"#{i} {fmt.dollars(a)}" for i, a in others]
    return " · ".join(parts)


def cash_tooltip(balance: Balance | None) -> str:
    """What the cash figures mean, and how to move money between shards."""
    if balance is None:
        return "The account's available cash (not loaded yet)."
    lines = [
        "Available cash per exchange shard (collateral is per shard: an order draws only "
        "on the cash of its market's shard).",
        *(f"  shard {index}: {fmt.dollars(amount)}" for index, amount in balance.by_shard()),
        f"  total: {fmt.dollars(balance.cash)}",
        "T (or the command palette) transfers between shards; so does "
        "`kalshi-tui transfer --from 0 --to 2 --amount 100`.",
    ]
    return "\n".join(lines)
