"""Serving the simulated exchange: in a background thread for demo sessions and tests, or as
the foreground of `kalshi-tui sim`.

`start_exchange` builds (or restores) the engine, wraps it in the HTTP app and runs uvicorn on
its own event loop in a daemon thread, on an ephemeral loopback port unless told otherwise. A
ticker task on that loop calls `engine.advance(now)` so markets open, close and settle and the
liquidity agents trade. Every engine call — routes, ticker, snapshots — goes through one lock.
`RunningExchange.stop()` shuts uvicorn down cleanly and, given a `state_path`, saves the whole
venue (accounts, orders, positions, markets, and the public halves of its API keys) so the
next start resumes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from kalshi_tui.exchange.engine import MONEY_SCALE, Exchange, ExchangeError
from kalshi_tui.exchange.http.app import create_app
from kalshi_tui.exchange.http.auth import AuthWindow, KeyRegistry
from kalshi_tui.exchange.http.context import Connections, SimContext
from kalshi_tui.exchange.http.faults import FaultConfig, FaultInjector, parse_spec
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig, RateLimiter
from kalshi_tui.exchange.http.units import Profile
from kalshi_tui.exchange.ws.hub import StreamHub
from kalshi_tui.exchange.ws.protocol import heartbeat_protocol
from kalshi_tui.files import MIB, FileProblem, read_small_file

log = logging.getLogger(__name__)

STATE_VERSION = 1
DEFAULT_BALANCE_DOLLARS = 10_000


def default_user_id(seed: int) -> str:
    """The demo account's user id: stable per seed, UUID-shaped like Kalshi's."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kalshi-tui-sim:{seed}:user"))


def _protocol_class(connections: Connections) -> type[Any]:
    """uvicorn's httptools protocol, recording each connection's transport by client address
    so a fault can drop a connection without answering (uvicorn would otherwise send a 500).
    httptools rather than h11: a third less CPU per request (see pyproject.toml)."""

    class TrackedProtocol(HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if self.client:
                connections[(self.client[0], self.client[1])] = transport

        def connection_lost(self, exc: Exception | None) -> None:
            if self.client:
                connections.pop((self.client[0], self.client[1]), None)
            super().connection_lost(exc)

    return TrackedProtocol


class _Server(uvicorn.Server):
    """uvicorn's server with prompt start-stop: its stock main loop polls `should_exit` every
    100 ms and its shutdown sleeps 100 ms more, which a test suite starting hundreds of
    exchanges pays for again and again. Here the loop polls every 10 ms."""

    _exit: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._exit = asyncio.Event()
        if not self.should_exit:
            await self._exit.wait()

    def request_exit(self) -> None:
        """Ask the server to stop, from any thread."""
        self.should_exit = True
        loop, event = self._loop, self._exit
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed
                loop.call_soon_threadsafe(event.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        deadline = time.monotonic() + (self.config.timeout_graceful_shutdown or 0)
        # uvicorn offers no event for "last connection closed"; poll briefly.
        while self.server_state.connections and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        for task in self.server_state.tasks:
            task.cancel()
        for server in self.servers:
            await server.wait_closed()


STATE_SIZE_LIMIT = 1024 * MIB
"""Largest state file restored; far above what even 50,000 markets with history need."""

SavedKey = tuple[str, str, str]
"""An API key kept in the state file: (key_id, public PEM, user_id)."""


def _load_state(path: Path | None) -> tuple[Exchange, set[str], list[SavedKey]] | None:
    if path is None or not path.exists():
        return None
    try:
        # Regular files only, bounded: a FIFO or device here must not hang the start.
        raw = read_small_file(
            path, limit=STATE_SIZE_LIMIT, what="exchange state file", fix="remove it"
        )
        data = json.loads(raw.decode("utf-8"))
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unknown state version {data.get('version')!r}")
        keys = [(k["key_id"], k["public_pem"], k["user_id"]) for k in data.get("keys", [])]
        return Exchange.restore(data["engine"]), set(data.get("funded_users", [])), keys
    except (OSError, ValueError, KeyError, TypeError, ExchangeError, FileProblem) as exc:
        # A damaged state file must not stop the demo: keep it aside and start fresh.
        aside = path.with_name(path.name + f".broken-{int(time.time())}")
        log.warning("cannot restore exchange state from %s (%s); moved to %s", path, exc, aside)
        with contextlib.suppress(OSError):
            path.rename(aside)
        return None


class RunningExchange:
    """A simulated exchange serving HTTP in a background thread."""

    def __init__(
        self,
        context: SimContext,
        server: _Server,
        sock: socket.socket,
        *,
        user_id: str,
        funded_users: set[str],
        balance_dollars: int,
        state_path: Path | None,
        tick_s: float,
        shard_dollars: Mapping[int, int] | None = None,
    ) -> None:
        self._context = context
        self._server = server
        self._sock = sock
        self._funded = funded_users
        self._balance_dollars = balance_dollars
        self._shard_dollars = dict(shard_dollars or {})
        self._state_path = state_path
        self._tick_s = tick_s
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.user_id = user_id
        """The default account every key without an explicit user acts for."""
        host, port = sock.getsockname()[:2]
        self.host: str = host
        self.port: int = port
        netloc = f"[{host}]" if ":" in host else host  # an IPv6 literal needs brackets
        self.base_url = f"http://{netloc}:{port}/trade-api/v2"
        """REST base URL, e.g. `http://127.0.0.1:54321/trade-api/v2`."""
        self.ws_url = f"ws://{netloc}:{port}/trade-api/ws/v2"
        """The stream's URL, e.g. `ws://127.0.0.1:54321/trade-api/ws/v2`."""

    @property
    def faults(self) -> FaultInjector:
        """The live fault switchboard (`configure(spec)`, `set_paused(...)`)."""
        return self._context.faults

    @property
    def stream(self) -> StreamHub:
        """The WebSocket stream's hub (its connections and what it watches)."""
        hub = self._context.stream
        assert isinstance(hub, StreamHub)
        return hub

    @property
    def rate_limiter(self) -> RateLimiter:
        """Token buckets; assign `.config = RateLimitConfig(...)` to change limits live."""
        return self._context.limiter

    @property
    def profile(self) -> Profile:
        """The wire profile being served."""
        return self._context.profile

    @property
    def keys(self) -> KeyRegistry:
        """The API key registry."""
        return self._context.keys

    @contextlib.contextmanager
    def engine(self) -> Iterator[Exchange]:
        """The engine, held under the venue lock (tests, admin actions like closing markets)."""
        with self._context.lock:
            yield self._context.engine

    def now_ms(self) -> int:
        """The engine's clock, epoch milliseconds."""
        return self._context.now_ms()

    def add_key(
        self,
        key_id: str,
        public_pem: bytes | str,
        user_id: str | None = None,
        balance_dollars: int | None = None,
    ) -> str:
        """Register an API key for `user_id` (default: the demo account), opening and funding
        that account if it is new. Returns the user id."""
        account = user_id or self.user_id
        self._context.keys.add(key_id, public_pem, account)
        self.ensure_account(account, balance_dollars)
        return account

    def ensure_account(self, user_id: str, balance_dollars: int | None = None) -> None:
        """Open and fund an account once (a restored account keeps its money): the venue's
        `shard_dollars` on their shards, the rest of the balance on shard 0."""
        if user_id in self._funded:
            return
        dollars = self._balance_dollars if balance_dollars is None else balance_dollars
        elsewhere = {shard: d for shard, d in self._shard_dollars.items() if shard != 0 and d}
        if sum(elsewhere.values()) > dollars:
            raise ValueError(
                f"the per-shard balances ({sum(elsewhere.values())} dollars) exceed the "
                f"account's balance ({dollars} dollars)"
            )
        with self._context.lock:
            engine = self._context.engine
            engine.create_user(user_id, balance=(dollars - sum(elsewhere.values())) * MONEY_SCALE)
            for shard, amount in sorted(elsewhere.items()):
                engine.deposit(user_id, amount * MONEY_SCALE, shard=shard)
        self._funded.add(user_id)

    def save(self) -> None:
        """Write the venue's state to `state_path` (atomically); no-op without one."""
        if self._state_path is None:
            return
        with self._context.lock:
            snapshot = self._context.engine.snapshot()
        data = {
            "version": STATE_VERSION,
            "engine": snapshot,
            "funded_users": sorted(self._funded),
            # Public halves only: a config written by `sim --write-config` keeps working
            # across restarts with --state.
            "keys": self._context.keys.export(),
        }
        self._state_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._state_path.with_name(self._state_path.name + ".tmp")
        temporary.write_text(json.dumps(data, separators=(",", ":")))
        os.replace(temporary, self._state_path)

    # ---- lifecycle -----------------------------------------------------------------------

    def _start(self, timeout_s: float = 10.0) -> None:
        self._thread = threading.Thread(target=self._run, name="kalshi-sim", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulated exchange failed to start")
            time.sleep(0.005)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        ticker = asyncio.create_task(self._tick_forever())
        try:
            await self._server.serve(sockets=[self._sock])
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker

    async def _tick_forever(self) -> None:
        """Drive markets and agents; a failing tick is logged, never fatal to the server."""
        while True:
            await asyncio.sleep(self._tick_s)
            try:
                self.tick()
            except Exception:
                log.exception("exchange tick failed")

    def tick(self) -> None:
        """One lifecycle step at the current time (also callable from tests)."""
        context = self._context
        with context.lock:
            context.sync_pause()
            context.engine.advance(context.now_ms())

    def stop(self, timeout_s: float = 10.0) -> None:
        """Shut the server down (idempotent), then save the state when a path was given."""
        if self._stopped:
            return
        self._stopped = True
        self._server.request_exit()
        if self._thread is not None:
            self._thread.join(timeout_s)
        with contextlib.suppress(OSError):
            self._sock.close()
        self.save()

    def __enter__(self) -> RunningExchange:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_exchange(
    *,
    seed: int = 0,
    markets: int = 300,
    profile: Profile = "compat",
    state_path: Path | str | None = None,
    keys: Iterable[tuple[str, bytes | str]] = (),
    balance_dollars: int = DEFAULT_BALANCE_DOLLARS,
    faults: str | FaultConfig | None = None,
    rate_limits: RateLimitConfig | None = None,
    auth_window: AuthWindow | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    tick_s: float = 0.25,
    agents: bool = True,
    open_order_limit: int = 200_000,
    clock: Callable[[], float] = time.time,
    save_state: bool = True,
    shard_dollars: Mapping[int, int] | None = None,
    heartbeat_s: float = 10.0,
) -> RunningExchange:
    """Start a simulated exchange in a background thread and return once it accepts
    connections. `keys` are `(key_id, public_pem)` pairs for the demo account, funded with
    `balance_dollars`. With `state_path`, state is restored from it when present and saved to
    it by `stop()` (unless `save_state` is False: a look at the state that must not write
    over it, e.g. `kalshi-tui doctor` beside a running demo). `shard_dollars` puts that many
    dollars of each new account's balance on the given exchange shards (e.g. `{2: 1000}` on
    the crypto shard); the rest, by default all of it, starts on shard 0, as on Kalshi.
    The stream (`ws_url`) pings every `heartbeat_s` seconds (Kalshi: 10)."""
    path = Path(state_path) if state_path is not None else None
    restored = _load_state(path)
    now_ms = int(clock() * 1000)
    saved_keys: list[SavedKey] = []
    if restored is not None:
        engine, funded, saved_keys = restored
        engine.advance(now_ms)
    else:
        engine = Exchange(
            seed=seed,
            now=now_ms,
            market_count=markets,
            agents=agents,
            open_order_limit=open_order_limit,
        )
        funded = set()
    fault_config = parse_spec(faults) if isinstance(faults, str) else faults
    connections: Connections = {}
    injector = FaultInjector(fault_config, seed=seed)
    app, context = create_app(
        engine,
        keys=KeyRegistry(),
        clock=clock,
        profile=profile,
        faults=injector,
        rate_limits=rate_limits,
        auth_window=auth_window,
        connections=connections,
    )
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the
    # protocol is explicit, and without it every response waits ~40 ms for a delayed ACK.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    config = uvicorn.Config(
        app,
        http=_protocol_class(connections),
        ws=heartbeat_protocol(injector),
        ws_ping_interval=heartbeat_s,
        ws_ping_timeout=2 * heartbeat_s,
        lifespan="off",
        log_level="warning",
        access_log=False,
        date_header=False,  # the gateway writes Date from the (possibly shifted) sim clock
        server_header=False,
        timeout_graceful_shutdown=2,
    )
    running = RunningExchange(
        context,
        _Server(config),
        sock,
        user_id=default_user_id(seed),
        funded_users=funded,
        balance_dollars=balance_dollars,
        state_path=path if save_state else None,
        tick_s=tick_s,
        shard_dollars=shard_dollars,
    )
    running.ensure_account(running.user_id)
    for saved_id, saved_pem, saved_user in saved_keys:
        try:
            running.add_key(saved_id, saved_pem, user_id=saved_user)
        except ValueError as exc:
            log.warning("saved API key %s is unusable (%s); skipped", saved_id, exc)
    for key_id, public_pem in keys:
        running.add_key(key_id, public_pem)
    running._start()
    return running
