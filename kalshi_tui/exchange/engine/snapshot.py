"""Persistence: the whole state as JSON-serialisable data and back.

The catalogue is rebuilt from the seed (it is a pure function of seed and size); only what the
session changed is stored: market dynamics, accounts, orders, groups, trades, schedules and the
agents' RNG state. Books are rebuilt from the resting orders in time-priority order.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from kalshi_tui.exchange.engine import catalogue
from kalshi_tui.exchange.engine.accounts import Account, Position, Wallet
from kalshi_tui.exchange.engine.book import Book
from kalshi_tui.exchange.engine.fees import CENT
from kalshi_tui.exchange.engine.model import Market, Order, OrderGroup
from kalshi_tui.exchange.engine.shards import SHARDS
from kalshi_tui.exchange.engine.state import State
from kalshi_tui.exchange.engine.views import FillView, SettlementView, TradeView, TransferView

VERSION = 1
_MARKET_FIELDS = (
    "status",
    "result",
    "determination_ms",
    "settlement_ms",
    "updated_ms",
    "close_ms",
    "fair",
    "last_price",
    "session_volume",
    "session_open_interest",
)


def _plain(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def dump(state: State, market_count: int) -> dict[str, Any]:
    rng_version, rng_internal, rng_gauss = state.rng.getstate()
    return {
        "version": VERSION,
        "seed": state.seed,
        "market_count": market_count,
        "start_ms": state.start_ms,
        "now_ms": state.now_ms,
        "open_order_limit": state.open_order_limit,
        "agents_enabled": state.agents_enabled,
        "exchange_active": state.exchange_active,
        "trading_active": state.trading_active,
        "deposits": state.deposits,
        "fees_collected": state.fees_collected,
        "settlement_residual": state.settlement_residual,
        "id_counter": state.id_counter,
        "seq_counter": state.seq_counter,
        "agent_last_ms": state.agent_last_ms,
        "rng": [rng_version, list(rng_internal), rng_gauss],
        "listings": [list(item) for item in state.listings],
        "expiries": [list(item) for item in state.expiries],
        "lifecycle": [list(item) for item in state.lifecycle],
        "user_resting": dict(state.user_resting),
        "markets": {
            ticker: {
                **{name: getattr(m, name) for name in _MARKET_FIELDS},
                "has_book": m.book is not None,
                "trade_log": [list(row) for row in m.trade_log],
            }
            for ticker, m in state.markets.items()
            if m.book is not None
            or m.updated_ms != m.open_ms
            or m.status != _initial_status(state, m)
        },
        "accounts": [_dump_account(a) for a in state.accounts.values()],
        "orders": [_plain(o) for o in state.orders.values()],
        "groups": [_plain(g) for g in state.groups.values()],
        "trades": [_plain(t) for t in state.trades],
    }


def _initial_status(state: State, market: Market) -> str:
    """The status the catalogue gives a market (rows equal to the catalogue are not stored)."""
    return "active" if market.open_ms <= state.start_ms else "initialized"


def _dump_account(account: Account) -> dict[str, Any]:
    return {
        "user_id": account.user_id,
        "wallets": {str(shard): [w.cash, w.locked] for shard, w in account.wallets.items()},
        "is_agent": account.is_agent,
        "positions": {t: _plain(p) for t, p in account.positions.items()},
        "client_order_ids": dict(account.client_order_ids),
        "fills": [_plain(f) for f in account.fills],
        "settlements": [_plain(s) for s in account.settlements],
        "transfers": [_plain(t) for t in account.transfers],
        "order_ids": list(account.order_ids),
        "open_orders": account.open_orders,
        "updated_ms": account.updated_ms,
        "balance_precision": account.balance_precision,
    }


def _migrate_unsharded(state: State, account: Account, cash: int) -> None:
    """An account saved before shards existed: its money is on shard 0, except what its
    positions on other shards lock (moved there, so no shard is overdrawn) and, for the
    agents, an equal share on every shard (they quote everywhere)."""
    account.wallets = {0: Wallet(cash, 0)}
    for ticker, pos in account.positions.items():
        pos.shard = state.markets[ticker].exchange_index
        account.wallet(pos.shard).locked += pos.lock
    for shard, wallet in account.wallets.items():
        if shard != 0:
            wallet.cash += wallet.locked
            account.wallets[0].cash -= wallet.locked
    if account.is_agent:
        share = account.wallets[0].available // len(SHARDS)
        for shard in SHARDS:
            if shard != 0:
                account.wallet(shard).cash += share
                account.wallets[0].cash -= share
    account.fills = [
        dataclasses.replace(f, exchange_index=state.markets[f.ticker].exchange_index)
        for f in account.fills
    ]
    account.settlements = [
        dataclasses.replace(s, exchange_index=state.markets[s.ticker].exchange_index)
        for s in account.settlements
    ]


def load(data: dict[str, Any]) -> tuple[State, int]:
    if data.get("version") != VERSION:
        raise ValueError(f"unsupported snapshot version {data.get('version')!r}")
    state = State(
        seed=data["seed"],
        start_ms=data["start_ms"],
        now_ms=data["start_ms"],
        open_order_limit=data["open_order_limit"],
        agents_enabled=data["agents_enabled"],
    )
    market_count: int = data["market_count"]
    catalogue.build(state, market_count)
    state.tickers = list(state.markets)
    for series_ticker, at in data.get("listings", []):
        catalogue.list_event(state, series_ticker, at)
    state.now_ms = data["now_ms"]
    for name in (
        "exchange_active",
        "trading_active",
        "deposits",
        "fees_collected",
        "settlement_residual",
        "id_counter",
        "seq_counter",
        "agent_last_ms",
    ):
        setattr(state, name, data[name])
    version, internal, gauss = data["rng"]
    state.rng = random.Random()
    state.rng.setstate((version, tuple(internal), gauss))
    state.expiries = [(a, b, c) for a, b, c in data["expiries"]]
    state.lifecycle = [(a, b, c) for a, b, c in data["lifecycle"]]
    state.user_resting = dict(data["user_resting"])
    for ticker, row in data["markets"].items():
        market = state.markets[ticker]
        for name in _MARKET_FIELDS:
            setattr(market, name, row[name])
        market.trade_log = [(a, b, c, d, e, f) for a, b, c, d, e, f in row["trade_log"]]
        if row["has_book"]:
            market.book = Book()
    for raw in data["accounts"]:
        account = Account(
            user_id=raw["user_id"],
            is_agent=raw["is_agent"],
            positions={t: Position(**p) for t, p in raw["positions"].items()},
            client_order_ids=dict(raw["client_order_ids"]),
            fills=[FillView(**f) for f in raw["fills"]],
            settlements=[SettlementView(**s) for s in raw["settlements"]],
            transfers=[TransferView(**t) for t in raw.get("transfers", [])],
            order_ids=list(raw["order_ids"]),
            open_orders=raw["open_orders"],
            updated_ms=raw["updated_ms"],
            balance_precision=raw.get("balance_precision", CENT),
        )
        if "wallets" in raw:
            account.wallets = {
                int(shard): Wallet(cash, locked) for shard, (cash, locked) in raw["wallets"].items()
            }
        else:
            _migrate_unsharded(state, account, raw["cash"])
        state.accounts[account.user_id] = account
    orders = [Order(**raw) for raw in data["orders"]]
    for order in orders:
        state.orders[order.order_id] = order
    for order in sorted((o for o in orders if o.on_book), key=lambda o: o.seq):
        book = state.markets[order.ticker].book
        assert book is not None
        book.side(order.is_yes).add(order.own_price, order)
    for raw in data["groups"]:
        group = OrderGroup(**raw)
        state.groups[group.order_group_id] = group
    state.trades = [TradeView(**t) for t in data["trades"]]
    return state, market_count
