"""Accounts: cash, collateral locked by resting orders, positions and their P&L.

Every fill is, for each participant, a *purchase* of one side: buying YES at p costs p, selling
YES is buying NO at 1 − p. A purchase that meets the opposite side already held nets pairs
immediately: each YES+NO pair releases $1 to cash (kalshi-api.md §4.2), so a position is a
signed count (+YES / −NO) and never holds both.

Collateral lives per exchange shard (`Wallet`, keyed by the market's ``exchange_index``, as on
Kalshi's sharded exchange): a market's orders, fills, fees and settlement move only the wallet
of its shard, and only an intra-account transfer (`transfer`) moves money between shards. In
each wallet ``cash`` is the shard's money and ``locked`` the part resting orders there may still
need, so the reported balance ``cash − locked`` is what is free on that shard. Per market the
lock is the worst case over any order of fills: bids on the side already held (or when flat, YES
bids) cost their full limit price; bids on the other side are covered up to the position they
would close (closing pays out, it never needs cash) and the uncovered remainder is priced at the
highest limit seen on that side. Plus, per order, the worst single-fill taker fee of its
remaining count. Each fill therefore lowers the lock by at least the cash it spends, so free
cash never goes negative; the one exception is the rounding fee of a fill whose cost is finer
than the balance precision (a sub-cent price or a fractional count), which is capped at the free
cash (the exchange forgoes the excess; see `charge_fee`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kalshi_tui.exchange.engine.fees import CENT
from kalshi_tui.exchange.engine.views import PRICE_SCALE, FillView, SettlementView, TransferView


@dataclass(slots=True)
class Wallet:
    """The account's money on one exchange shard."""

    cash: int = 0
    locked: int = 0

    @property
    def available(self) -> int:
        return self.cash - self.locked


@dataclass(slots=True)
class Position:
    event_ticker: str
    shard: int = 0
    """The market's exchange index: the wallet its money moves."""
    yes: int = 0
    no: int = 0
    exposure: int = 0
    total_traded: int = 0
    realized_pnl: int = 0
    fees_paid: int = 0
    volume: int = 0
    last_updated_ms: int = 0
    resting_orders: int = 0
    # Aggregates of this user's resting orders in the market, for the collateral lock.
    yes_remaining: int = 0
    yes_cost: int = 0
    yes_max_price: int = 0
    no_remaining: int = 0
    no_cost: int = 0
    no_max_price: int = 0
    fee_reserve: int = 0
    lock: int = 0

    @property
    def signed(self) -> int:
        return self.yes - self.no

    def required_lock(self) -> int:
        if self.no == 0:
            uncovered = max(0, self.no_remaining - self.yes) * self.no_max_price
            return self.yes_cost + min(self.no_cost, uncovered) + self.fee_reserve
        uncovered = max(0, self.yes_remaining - self.no) * self.yes_max_price
        return self.no_cost + min(self.yes_cost, uncovered) + self.fee_reserve


@dataclass(slots=True)
class Account:
    user_id: str
    wallets: dict[int, Wallet] = field(default_factory=dict)
    """Exchange index → the money on that shard (created on first use)."""
    is_agent: bool = False
    positions: dict[str, Position] = field(default_factory=dict)
    client_order_ids: dict[str, str] = field(default_factory=dict)
    """client_order_id → order_id, for every order ever accepted (duplicates are refused)."""
    fills: list[FillView] = field(default_factory=list)
    settlements: list[SettlementView] = field(default_factory=list)
    transfers: list[TransferView] = field(default_factory=list)
    """Intra-account transfers between shards, oldest first."""
    order_ids: list[str] = field(default_factory=list)
    open_orders: int = 0
    updated_ms: int = 0
    balance_precision: int = CENT
    """The step the balance moves in after each fill: $0.01 (a member), `fees.CENTICENT`
    ($0.0001) for a direct member; the fill's rounding fee keeps it there."""

    @property
    def cash(self) -> int:
        """All the account's money, every shard."""
        return sum(w.cash for w in self.wallets.values())

    @property
    def locked(self) -> int:
        return sum(w.locked for w in self.wallets.values())

    @property
    def available(self) -> int:
        return self.cash - self.locked

    def wallet(self, shard: int) -> Wallet:
        wallet = self.wallets.get(shard)
        if wallet is None:
            wallet = Wallet()
            self.wallets[shard] = wallet
        return wallet

    def position(self, ticker: str, event_ticker: str, shard: int = 0) -> Position:
        pos = self.positions.get(ticker)
        if pos is None:
            pos = Position(event_ticker, shard)
            self.positions[ticker] = pos
        return pos

    def refresh_lock(self, pos: Position) -> None:
        new = pos.required_lock()
        self.wallet(pos.shard).locked += new - pos.lock
        pos.lock = new


def add_resting(account: Account, pos: Position, is_yes: bool, count: int, price: int) -> None:
    """Count ``count`` more contracts of a bid at own-side ``price`` towards the lock."""
    if is_yes:
        pos.yes_remaining += count
        pos.yes_cost += count * price
        pos.yes_max_price = max(pos.yes_max_price, price)
    else:
        pos.no_remaining += count
        pos.no_cost += count * price
        pos.no_max_price = max(pos.no_max_price, price)


def remove_resting(account: Account, pos: Position, is_yes: bool, count: int, price: int) -> None:
    if is_yes:
        pos.yes_remaining -= count
        pos.yes_cost -= count * price
        if pos.yes_remaining == 0:
            pos.yes_max_price = 0
    else:
        pos.no_remaining -= count
        pos.no_cost -= count * price
        if pos.no_remaining == 0:
            pos.no_max_price = 0


def lock_if_added(
    account: Account, pos: Position, is_yes: bool, count: int, price: int, fee_reserve: int
) -> int:
    """The lock of the position's shard if a bid were added (for the insufficient-balance
    check against that shard's cash)."""
    saved = (pos.yes_max_price, pos.no_max_price)
    add_resting(account, pos, is_yes, count, price)
    pos.fee_reserve += fee_reserve
    wallet = account.wallets.get(pos.shard)
    locked = wallet.locked if wallet is not None else 0
    needed = locked - pos.lock + pos.required_lock()
    pos.fee_reserve -= fee_reserve
    remove_resting(account, pos, is_yes, count, price)
    pos.yes_max_price, pos.no_max_price = saved
    return needed


def buy(account: Account, pos: Position, is_yes: bool, count: int, price: int, now: int) -> int:
    """Apply a purchase of ``count`` of one side at own-side ``price`` (no fee); returns the
    pairs netted against the opposite side held."""
    cost = count * price
    wallet = account.wallet(pos.shard)
    wallet.cash -= cost
    pos.total_traded += cost
    pos.volume += count
    pos.last_updated_ms = now
    held = pos.no if is_yes else pos.yes
    pairs = min(count, held)
    if pairs:
        # Average-cost basis: the closed share of the exposure leaves with the pairs.
        removed = pos.exposure * pairs // held
        pos.exposure -= removed
        if is_yes:
            pos.no -= pairs
        else:
            pos.yes -= pairs
        payout = pairs * PRICE_SCALE
        wallet.cash += payout
        pos.realized_pnl += payout - removed - pairs * price
    opened = count - pairs
    if opened:
        if is_yes:
            pos.yes += opened
        else:
            pos.no += opened
        pos.exposure += opened * price
    return pairs


def charge_fee(account: Account, pos: Position, fee: int) -> int:
    """Debit a fee, never below the free cash of the position's shard; returns what was
    charged."""
    wallet = account.wallet(pos.shard)
    charged = min(fee, max(0, wallet.available))
    wallet.cash -= charged
    pos.fees_paid += charged
    return charged
