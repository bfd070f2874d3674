"""A trading rig for the service tests: an embedded exchange over loopback, our signed
client and a counterparty's, a real SQLite journal in tmp_path, and the trading services."""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_tui import api
from kalshi_tui.domain.models import Action, Side
from kalshi_tui.domain.orders import Denial, OrderDraft, PreTradeGate
from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig
from kalshi_tui.exchange.http.units import Profile
from kalshi_tui.exchange.keygen import generate_key_pair
from kalshi_tui.exchange.server import RunningExchange, start_exchange
from kalshi_tui.journal import IntentRecord, Journal
from kalshi_tui.services.trading import Trading, TradingPlan

KEY_ID = "our-key"
OTHER_KEY_ID = "counterparty-key"
PLAN = TradingPlan(lag_window=2.0)


def _key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def allow_all(_draft: OrderDraft) -> Denial | None:
    return None


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Rig:
    exchange: RunningExchange
    client: api.KalshiClient
    other: api.KalshiClient
    ticker: str
    path: Path
    store: Store = field(default_factory=lambda: Store(Snapshot(environment="demo")))
    trading: Trading | None = None
    key_pem: bytes = b""
    """Our account's private key (PEM), for a config file a subprocess reads."""

    def open(
        self,
        gate: PreTradeGate = allow_all,
        plan: TradingPlan = PLAN,
        order_group_id: str | None = None,
    ) -> Trading:
        """(Re)open the journal and build fresh trading services over it."""
        if self.trading is not None:
            self.trading.close()
        self.store = Store(Snapshot(environment="demo"))
        journal = Journal.open(self.path)
        self.trading = Trading(
            self.client, journal, self.store, gate, plan=plan, order_group_id=order_group_id
        )
        return self.trading

    @property
    def t(self) -> Trading:
        assert self.trading is not None
        return self.trading

    @property
    def journal(self) -> Journal:
        return self.t.journal

    def draft(
        self,
        price: str = "0.43",
        count: str = "5",
        *,
        side: Side = "yes",
        action: Action = "buy",
        client_order_id: str | None = None,
    ) -> OrderDraft:
        return OrderDraft(
            client_order_id=client_order_id or new_id(),
            ticker=self.ticker,
            side=side,
            action=action,
            price=Decimal(price),
            count=Decimal(count),
        )

    async def submit(self, draft: OrderDraft) -> IntentRecord:
        result = await self.t.orders.submit(draft)
        assert isinstance(result, IntentRecord), result
        return result

    async def exchange_orders(self, **filters: str) -> list[api.Order]:
        saved = self.exchange.faults.config.lag_ms
        assert saved == 0, "listing under a lag fault hides young orders"
        return await self.client.get_all_orders(**filters)  # type: ignore[arg-type]

    async def counterparty_sells(self, count: str, price: str = "0.43") -> None:
        """The counterparty sells YES (takes our resting bid)."""
        await self.other.create_order(
            api.OrderRequest(
                ticker=self.ticker,
                side="yes",
                action="sell",
                count=Decimal(count),
                price=Decimal(price),
                client_order_id=new_id(),
                time_in_force="immediate_or_cancel",
            )
        )

    def log_text(self) -> str:
        return "\n".join(entry.text for entry in self.store.log_since(0))

    async def close(self) -> None:
        if self.trading is not None:
            self.trading.close()
        await self.client.aclose()
        await self.other.aclose()
        self.exchange.stop()


async def make_rig(
    tmp_path: Path,
    *,
    balance_dollars: int = 10_000,
    rate_limits: api.RateLimits | None = None,
    profile: Profile = "compat",
) -> Rig:
    """`rate_limits`: the client's own limiter (default: Kalshi's basic tier)."""
    private_pem, public_pem = generate_key_pair()
    other_private, other_public = generate_key_pair()
    exchange = start_exchange(
        seed=1,
        markets=30,
        agents=False,
        tick_s=3600.0,
        rate_limits=RateLimitConfig(enabled=False),
        keys=[(KEY_ID, public_pem)],
        balance_dollars=balance_dollars,
        profile=profile,
    )
    exchange.add_key(OTHER_KEY_ID, other_public, user_id="counterparty", balance_dollars=10_000)
    client = api.KalshiClient(
        exchange.base_url, api.KalshiAuth(KEY_ID, _key(private_pem)), rate_limits=rate_limits
    )
    other = api.KalshiClient(exchange.base_url, api.KalshiAuth(OTHER_KEY_ID, _key(other_private)))
    markets = await client.get_all_markets(status="open", limit=100)
    # A market on the plain one-cent grid, so 43¢ is valid and 43.5¢ is not.
    ticker = next(
        m.ticker
        for m in markets
        if all(r.step == Decimal("0.01") for r in m.price_ranges) and m.price_ranges
    )
    return Rig(exchange, client, other, ticker, tmp_path / "journal.sqlite3", key_pem=private_pem)


def fill_the_disk(journal: Journal) -> None:
    """Make every later write of `journal` fail as on a full disk: SQLite's own
    "database or disk is full" (SQLITE_FULL), from a page limit at the file's current size
    with the last pages packed. Reads keep working; `free_the_disk` undoes it."""
    conn = journal._conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    failures = 0
    while failures < 20:  # pack the free space left in the last pages, down to tiny rows
        try:
            conn.execute(
                "INSERT INTO events (kind, at_us, payload) VALUES ('disk_filler', 0, '{}')"
            )
            failures = 0
        except sqlite3.OperationalError as exc:
            if "full" not in str(exc):
                raise
            failures += 1


def free_the_disk(journal: Journal) -> None:
    journal._conn.execute("PRAGMA max_page_count = 1073741823")
