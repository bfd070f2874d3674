"""Building a session: the keyless demo (embedded exchange) or a configured account.

The demo runs the simulated exchange inside this process on an ephemeral loopback
port, with an RSA key generated once and kept (0600) in the demo data directory, so
the terminal talks to it exactly as it talks to Kalshi: real HTTP, real signatures.
The exchange's state is saved beside the key on exit and restored on the next start,
so practice sessions continue.

Only one app runs per data directory: both kinds of session take its app lock
(`services/app_lock.py`) first and refuse to start, naming the holder's PID, while another
process holds it.

Both kinds of session trade: they open the account's journal (`journal.sqlite3` in its
data directory; the demo's lives in the demo directory) and check every order with
`risk_gate`, the full pre-trade gate of `[risk]` (`kalshi_tui.domain.risk`).
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_tui import api, files, paths
from kalshi_tui.config.models import RiskSettings, is_loopback_host
from kalshi_tui.domain.orders import OrderDraft, PreTradeGate
from kalshi_tui.domain.risk import RiskGate
from kalshi_tui.domain.risk_context import RiskContext, build_context
from kalshi_tui.domain.risk_limits import RiskLimits
from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.services.alerts import Alerts
from kalshi_tui.services.app_lock import AppLock, holder_pid
from kalshi_tui.services.session import PollPlan, Session

if TYPE_CHECKING:
    from kalshi_tui.config import Settings
    from kalshi_tui.exchange.server import RunningExchange
    from kalshi_tui.journal import Journal

DEMO_SEED = 20261121
DEMO_MARKETS = 300
DEMO_SHARD_DOLLARS = {2: 1_000}
"""The demo account's collateral off shard 0: $1,000 of its $10,000 starts on the crypto
shard (2), so crypto markets trade from the first minute; on Kalshi (and in a fresh
`kalshi-tui sim`) an account's money starts on shard 0 and is moved by a transfer."""
KEY_FILE = "demo-key.pem"
KEY_ID_FILE = "demo-key-id"
STATE_FILE = "exchange-state.json"
URL_FILE = "exchange-url"
"""While a demo session runs, its embedded exchange's base URL (so `kalshi-tui halt`
from another terminal can reach it); removed when the exchange stops."""


@dataclass(frozen=True, slots=True)
class DemoKey:
    key_id: str
    private_key: rsa.RSAPrivateKey

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def demo_dir() -> Path:
    """Where the demo account keeps its key, exchange state and journal."""
    return paths.default_data_dir("demo", None)


def load_or_create_demo_key(directory: Path) -> DemoKey:
    """The demo account's key: generated on first use, then reused so state carries over."""
    files.prepare_data_dir(directory)
    key_path, id_path = directory / KEY_FILE, directory / KEY_ID_FILE
    if key_path.exists() and id_path.exists():
        key_id = _read_small_text(id_path, "demo key id")
        return DemoKey(key_id, api.load_private_key(key_path))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Created 0600 from the start: never a moment where the key is world-readable.
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    key_id = str(uuid.uuid4())
    id_path.write_text(key_id + "\n")
    return DemoKey(key_id, key)


def start_demo_exchange(
    directory: Path, *, markets: int = DEMO_MARKETS, seed: int = DEMO_SEED, publish: bool = True
) -> tuple[RunningExchange, DemoKey]:
    """Start the embedded exchange for the demo account (restoring saved state).

    With `publish` (a session) its URL is written for `kalshi-tui halt` and its state is
    saved back on stop. Without (`kalshi-tui doctor`'s check), it is the same exchange from
    the same state, but nothing of it is written: a demo session running beside it keeps
    its URL file and its state."""
    from kalshi_tui.exchange.server import start_exchange

    key = load_or_create_demo_key(directory)
    running = start_exchange(
        seed=seed,
        markets=markets,
        state_path=directory / STATE_FILE,
        keys=[(key.key_id, key.public_pem())],
        save_state=publish,
        shard_dollars=DEMO_SHARD_DOLLARS,
    )
    if publish:
        (directory / URL_FILE).write_text(running.base_url + "\n")
    return running, key


def _read_small_text(path: Path, what: str) -> str:
    """A one-line file the demo keeps in its directory (a FIFO or device there is refused,
    never read forever)."""
    data = files.read_small_file(
        path, limit=4 * files.KIB, what=what, fix=f"remove {path}; the demo writes it anew"
    )
    return data.decode("utf-8", errors="replace").strip()


def risk_gate(risk: RiskSettings, store: Store) -> PreTradeGate:
    """The full pre-trade gate of `[risk]` over a fresh context from `store` on every call.

    Drafts the order service has approved but the exchange does not show yet (in flight or
    UNKNOWN) count against the limits, so two quick orders cannot both squeeze under one.
    """
    limits = RiskLimits.from_settings(risk)

    def context() -> RiskContext:
        snapshot = store.snapshot
        in_flight = [
            OrderDraft(p.client_order_id, p.ticker, p.side, p.action, p.price, p.count)
            for p in snapshot.pending_orders
        ]
        return build_context(
            snapshot,
            time.time(),
            stale_data_seconds=risk.stale_data_seconds,
            in_flight=in_flight,
        )

    return RiskGate(limits, context)


def running_demo_url(directory: Path) -> str | None:
    """The base URL a running demo session published, or None. The embedded exchange
    listens on loopback only, so a URL naming any other host (a stale or edited file) is
    ignored: the demo key must never sign requests for a real exchange."""
    try:
        url = _read_small_text(directory / URL_FILE, "demo exchange URL file")
    except files.FileProblem:
        return None
    parts = urlsplit(url)
    if parts.scheme != "http" or not is_loopback_host(parts.hostname or ""):
        return None
    return url


def running_demo_app(directory: Path) -> tuple[str, int] | None:
    """(base URL, PID) of the demo app running on `directory`: a live process holds its
    app lock and its exchange's URL is published. None otherwise (a URL file left by a
    killed app names no live exchange)."""
    pid = holder_pid(directory)
    if pid is None:
        return None
    url = running_demo_url(directory)
    return None if url is None else (url, pid)


def open_journal(data_dir: Path, *, verify: bool = True, fix: str = files.DEFAULT_FIX) -> Journal:
    """The account's journal (created on first use, with its data directory).

    `verify` runs `PRAGMA quick_check` first (start-up refuses a journal with damaged
    pages); `kalshi-tui halt` skips it to persist the halt at once. A data directory that
    cannot serve (a file in the way, not writable) raises `files.FileProblem` whose fix is
    `fix` (`Settings.data_dir_fix()`)."""
    from kalshi_tui.journal import Journal, journal_path

    files.prepare_data_dir(data_dir, fix=fix)
    return Journal.open(journal_path(data_dir), verify=verify)


def demo_session(
    *,
    directory: Path | None = None,
    markets: int = DEMO_MARKETS,
    plan: PollPlan | None = None,
    trading: bool = True,
) -> Session:
    """A session against a freshly started embedded exchange; `trading` opens the demo
    journal, the order service and the kill switch."""
    directory = directory or demo_dir()
    paths.ensure_private_dir(directory)
    # Before anything else: a second demo app would also overwrite the exchange's URL
    # file and saved state.
    lock = AppLock.acquire(directory)
    url_file = directory / URL_FILE

    def closed() -> None:
        url_file.unlink(missing_ok=True)
        lock.release()

    try:
        running, key = start_demo_exchange(directory, markets=markets)
        client = api.KalshiClient(running.base_url, api.KalshiAuth(key.key_id, key.private_key))
        store = Store(Snapshot(environment="demo"))
        return Session(
            client,
            store,
            plan=plan,
            exchange=running,
            journal=open_journal(directory) if trading else None,
            gate=risk_gate(RiskSettings(), store),
            risk_limits=RiskLimits.from_settings(RiskSettings()),
            on_close=closed,
        )
    except BaseException:
        lock.release()
        raise


def configured_session(settings: Settings, *, plan: PollPlan | None = None) -> Session:
    """A session for the account in `settings` (already validated by the config loader)."""
    files.prepare_data_dir(settings.data_dir, fix=settings.data_dir_fix())
    lock = AppLock.acquire(settings.data_dir)
    try:
        exchange = settings.exchange
        auth = None
        if exchange.key_id is not None and exchange.private_key_path is not None:
            private_key = api.load_private_key(exchange.private_key_path)
            auth = api.KalshiAuth(exchange.key_id, private_key)
        client = api.KalshiClient(
            settings.base_url,
            auth,
            rate_limits=api.RateLimits.for_tier(exchange.rate_tier),
            timeout=exchange.request_timeout_seconds,
            verify=exchange.tls_verify,
            order_api=exchange.order_api,
        )
        store = Store(Snapshot(environment=exchange.environment))
        alerts = Alerts(
            settings.alerts.webhook_url, store=store, min_severity=settings.alerts.min_severity
        )
        return Session(
            client,
            store,
            plan=plan or plan_from(settings),
            journal=open_journal(settings.data_dir, fix=settings.data_dir_fix()),
            gate=risk_gate(settings.risk, store),
            risk_limits=RiskLimits.from_settings(settings.risk),
            alerts=alerts if alerts.enabled else None,
            on_close=lock.release,
        )
    except BaseException:
        lock.release()
        raise


def plan_from(settings: Settings) -> PollPlan:
    p = settings.polling
    return PollPlan(
        exchange=(p.exchange_status_seconds, p.exchange_status_stale_seconds),
        markets=(p.markets_seconds, p.markets_stale_seconds),
        orderbook=(p.orderbook_seconds, p.orderbook_stale_seconds),
        history=(30.0, 120.0),
        portfolio=(p.portfolio_seconds, p.portfolio_stale_seconds),
        settlements=(p.settlements_seconds, p.settlements_seconds * 5),
    )
