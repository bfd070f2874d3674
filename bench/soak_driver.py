"""The seeded fault soak: random trading actions against a faulty embedded exchange.

    result = await run_seed(seed=7, actions=1000, workdir=Path(tmp))

For one seed: an embedded exchange (loopback HTTP, real signatures, liquidity agents on)
runs on a simulated clock the driver advances, so the agents' trading is a function of the
seed; fault injection fails about 20% of write requests (500/502/503, 429, connection
reset, applied-then-response-dropped, and now and then a write delayed past the client's
timeout) and about 5% of reads. The driver then runs `actions` seeded random actions —
place, cancel, amend, cancel-all (account or market), halt, resume, restart — and after
each one steps the exchange (agents may fill resting orders), the resolver of UNKNOWN
orders, fill confirmation and, every few actions, reconciliation, calling them directly
(no timers). After every step it checks the cheap invariants (`soak_checks.cheap`), that
nothing reached the exchange while the journal said HALTED, and that the store shows HALTED
exactly when the journal does; at the end it switches faults off, resolves everything and
checks them all (`soak_checks.full`). The first violation ends the seed.

Everything random comes from the seed (actions, fault draws, the exchange's agents), so
`python -m bench.soak --seeds 1 --seed-start N` replays seed N. The one timing-dependent
part is a halt's parallel cancels, whose order on the wire can vary.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench import soak_checks
from bench.soak_account import CLIENT_TIMEOUT_S, Account
from kalshi_tui import api
from kalshi_tui.domain.models import Action, Side
from kalshi_tui.domain.orders import Denial, OrderDraft, TimeInForce
from kalshi_tui.domain.store import TradingMode
from kalshi_tui.exchange.engine.views import PRICE_SCALE
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig
from kalshi_tui.exchange.keygen import generate_key_pair
from kalshi_tui.exchange.server import RunningExchange, start_exchange
from kalshi_tui.journal import IntentRecord
from kalshi_tui.services.convert import position as to_position
from kalshi_tui.services.halt_info import ResumeRefused

KEY_ID = "soak-key"
FAULTS = (
    "write_error=0.06,write_rate_limit=0.04,write_reset=0.03,drop_response=0.06,"
    "error_status=500/502/503,read_error=0.03,read_rate_limit=0.01,read_reset=0.01"
)
"""≈20% of writes fail (6% 5xx, 4% 429, 3% reset, ≈5% applied-then-dropped), ≈5% of reads."""
TIMEOUT_RATE = 0.015
"""Share of actions whose writes are delayed past the client timeout."""
TIMEOUT_LATENCY_MS = CLIENT_TIMEOUT_S * 1000 + 150
DELAYABLE = frozenset({"place", "cancel", "amend", "cancel_all"})
SIM_SECONDS_PER_ACTION = 0.25
RECONCILE_EVERY = 10
ACTION_TIMEOUT_S = 30.0
"""An action still running after this long is a hang, reported as a failure."""
TICKERS = 3
WEIGHTS: dict[str, int] = {
    "place": 42,
    "cancel": 15,
    "amend": 12,
    "cancel_all": 5,
    "halt": 4,
    "resume": 8,
    "restart": 4,
    "idle": 10,
}


class SimClock:
    """The exchange's and client's clock: starts at real time, advanced by the driver."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class SeedResult:
    seed: int
    actions: int
    failures: list[str]
    faults: Counter[str]
    checks: int
    requests: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


def replay_command(seed: int, actions: int, faults: str = FAULTS) -> str:
    command = f"python -m bench.soak --seeds 1 --seed-start {seed} --actions {actions}"
    return command if faults == FAULTS else f"{command} --faults '{faults}'"


class Driver:
    """One seed's run; see the module docstring."""

    def __init__(
        self,
        seed: int,
        exchange: RunningExchange,
        account: Account,
        clock: SimClock,
        *,
        concurrent: bool = False,
        faults: str = FAULTS,
    ) -> None:
        self.seed = seed
        self.concurrent = concurrent
        self.faults = faults
        self.rng = random.Random(f"soak:{seed}")
        self.exchange = exchange
        self.account = account
        self.clock = clock
        self.tally = soak_checks.Tally()
        self.outcomes: Counter[str] = Counter()
        self.tickers: list[str] = []
        self.start_cash = 0
        self.step_no = 0

    # --- the run ----------------------------------------------------------------------

    async def run(self, actions: int) -> list[str]:
        self.start_cash = soak_checks.read_truth(self.exchange).cash
        self.account.open()
        await self._start()
        self.exchange.faults.configure(self.faults, seed=self.seed)
        base = self.exchange.faults.config.write
        names, weights = list(WEIGHTS), list(WEIGHTS.values())
        for self.step_no in range(1, actions + 1):
            name = self.rng.choices(names, weights)[0]
            # A timeout fault lasts one action; only single-shot actions get it (a halt
            # retries until verified, which a write path that always times out never is).
            delayed = self.rng.random() < TIMEOUT_RATE and name in DELAYABLE
            if delayed:
                self.exchange.faults.adjust(write=replace(base, latency_ms=TIMEOUT_LATENCY_MS))
            halted_before = self._journal_halted()
            before = len(soak_checks.read_truth(self.exchange).orders)
            if self.concurrent and name != "restart":
                # The app's pollers race the user's action (the order of requests on the
                # wire, and so the fault each meets, then depends on timing).
                await asyncio.gather(self._act(name), self._steps())
            else:
                await self._act(name)
            if delayed:
                self.exchange.faults.adjust(write=base)
                # Let a write the client gave up on land before anything looks for it.
                await asyncio.sleep(TIMEOUT_LATENCY_MS / 1000)
            if not self.concurrent or name == "restart":
                await self._steps()
            problems = self._check(halted_before and self._journal_halted(), before)
            if problems:
                return [f"step {self.step_no} ({name}): {p}" for p in problems]
        return await self._finish()

    async def _start(self) -> None:
        refused = await self.account.trading.orders.submit(self._draft())
        if not (isinstance(refused, Denial) and refused.code == "not_reconciled"):
            raise AssertionError(f"an order was accepted before reconciliation: {refused}")
        self.outcomes["refused_before_reconcile"] += 1
        self.outcomes["startup_retries"] += await self.account.start()

    async def _act(self, name: str) -> None:
        try:
            async with asyncio.timeout(ACTION_TIMEOUT_S):
                await getattr(self, f"_do_{name}")()
        except api.KalshiError as exc:
            self.outcomes[f"{name}_error:{type(exc).__name__}"] += 1
        except TimeoutError:
            halt = self.account.store.snapshot.halt
            detail = f" (halt progress: {halt})" if halt is not None else ""
            raise AssertionError(
                f"{name} did not finish in {ACTION_TIMEOUT_S:g}s{detail}"
            ) from None

    async def _steps(self) -> None:
        """The exchange's agents, then the resolver, fill confirmation and reconciliation."""
        self.clock.advance(SIM_SECONDS_PER_ACTION)
        self.exchange.tick()
        trading = self.account.trading
        steps: list[Callable[[], Awaitable[object]]] = []
        # The app runs these on timers; skipping some lets fills pile up for a halt, a
        # reconciliation or a restart to meet first.
        if self.rng.random() < 0.8:
            steps.append(trading.orders.resolve_all)
        if self.rng.random() < 0.6:
            steps.append(trading.fills.poll)
        if self.step_no % RECONCILE_EVERY == 0:
            steps.append(trading.reconciler.run)
        for step in steps:
            try:
                await step()
            except api.KalshiError as exc:
                self.outcomes[f"step_error:{type(exc).__name__}"] += 1

    def _journal_halted(self) -> bool:
        return self.account.journal.halt_state().halted

    def _check(self, halted_throughout: bool, orders_before: int) -> list[str]:
        truth = soak_checks.read_truth(self.exchange)
        problems = soak_checks.cheap(self.account.journal, truth, self.tally)
        self.tally.checks += 2
        if halted_throughout and len(truth.orders) != orders_before:
            self.tally.halted_creates += len(truth.orders) - orders_before
            problems.append(
                f"{len(truth.orders) - orders_before} order(s) reached the exchange while HALTED"
            )
        store_halted = self.account.store.snapshot.trading.mode is TradingMode.HALTED
        if store_halted != self._journal_halted():
            problems.append(
                f"store says {'HALTED' if store_halted else 'active'}, journal says "
                f"{'halted' if self._journal_halted() else 'not halted'}"
            )
        findings = self.account.store.snapshot.reconciliation.findings
        problems += [f"reconciliation finding {f.kind}: {f.message}" for f in findings]
        return problems

    async def _finish(self) -> list[str]:
        self.exchange.faults.configure()
        await self.account.killswitch.settled()
        trading = self.account.trading
        await trading.orders.resolve_all()
        await trading.fills.poll()
        await trading.reconciler.run()
        assert self.account.client is not None
        page = await self.account.client.get_all_positions(limit=1000)
        positions = [to_position(p) for p in page.market_positions]
        truth = soak_checks.read_truth(self.exchange)
        problems = soak_checks.full(
            self.account.journal, truth, positions, self.start_cash, self.tally
        )
        problems += self._check(False, 0)
        return [f"end of run: {p}" for p in problems]

    # --- actions ----------------------------------------------------------------------

    def _draft(self) -> OrderDraft:
        rng = self.rng
        ticker = rng.choice(self.tickers)
        side: Side = rng.choice(("yes", "no"))
        action: Action = rng.choice(("buy", "buy", "sell"))
        with self.exchange.engine() as engine:
            book = engine.get_book(ticker)
        bid = book.yes[-1][0] if book.yes else PRICE_SCALE // 2 - 300
        ask = PRICE_SCALE - book.no[-1][0] if book.no else PRICE_SCALE // 2 + 300
        yes_bid = (side == "yes") == (action == "buy")
        cents = rng.randint(-4, 1) * 100
        yes_price = ask + cents if yes_bid else bid - cents
        yes_price = min(max(yes_price, 100), PRICE_SCALE - 100)
        price = yes_price if side == "yes" else PRICE_SCALE - yes_price
        tif: TimeInForce = "immediate_or_cancel" if rng.random() < 0.1 else "good_till_canceled"
        return OrderDraft(
            client_order_id=str(uuid.UUID(int=rng.getrandbits(128))),
            ticker=ticker,
            side=side,
            action=action,
            price=Decimal(price) / PRICE_SCALE,
            count=Decimal(rng.randint(1, 10)),
            time_in_force=tif,
        )

    async def _do_place(self) -> None:
        result = await self.account.trading.orders.submit(self._draft())
        if isinstance(result, Denial):
            self.outcomes[f"place_refused:{result.code}"] += 1
        else:
            assert isinstance(result, IntentRecord)
            code = f":{result.reject_code}" if result.reject_code else ""
            self.outcomes[f"place:{result.state}{code}"] += 1
            if result.reject_code == "order_group_limit_reached":
                # Not halted (the order passed the refusals), yet the exchange holds the
                # app's group triggered: trading is dead until a restart.
                raise AssertionError(
                    "an order was rejected by the app's triggered order group after a resume"
                )

    def _pick_open(self) -> str | None:
        open_orders = self.account.journal.open_orders()
        if not open_orders:
            return None
        return self.rng.choice(open_orders).order.order_id

    async def _do_cancel(self) -> None:
        order_id = self._pick_open()
        if order_id is not None:
            result = await self.account.trading.orders.cancel(order_id)
            self.outcomes[f"cancel:{'ok' if result.ok else 'failed'}"] += 1

    async def _do_amend(self) -> None:
        order_id = self._pick_open()
        if order_id is None:
            return
        record = self.account.journal.order(order_id)
        assert record is not None
        old = record.order
        moved: Decimal = old.price + Decimal(self.rng.randint(-2, 2)) / 100
        price = min(max(moved, Decimal("0.01")), Decimal("0.99"))
        count = old.fill_count + Decimal(self.rng.randint(1, 10))
        result = await self.account.trading.orders.amend(order_id, price, count)
        self.outcomes[f"amend:{'ok' if result.ok else 'failed'}"] += 1

    async def _do_cancel_all(self) -> None:
        orders = self.account.trading.orders
        if self.rng.random() < 0.5:
            result = await orders.cancel_all()
        else:
            result = await orders.cancel_market(self.rng.choice(self.tickers))
        self.outcomes[f"cancel_all:{'ok' if result.ok else 'failed'}"] += 1

    async def _do_halt(self) -> None:
        report = await self.account.killswitch.halt("soak", f"seeded halt at step {self.step_no}")
        self.outcomes[f"halt:{'verified' if report.verified else 'unverified'}"] += 1

    async def _do_resume(self) -> None:
        if not self._journal_halted():
            return
        try:
            self.account.killswitch.resume(f"soak resume at step {self.step_no}")
        except ResumeRefused:
            self.outcomes["resume_refused"] += 1
            return
        await self.account.killswitch.settled()
        self.outcomes["resume"] += 1

    async def _do_restart(self) -> None:
        await self.account.close()
        self.account.open()
        await self._start()
        self.outcomes["restart"] += 1

    async def _do_idle(self) -> None:
        self.outcomes["idle"] += 1


def _private_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


QUIET_LOGGERS = ("kalshi_tui.exchange.http.app", "uvicorn.error")
"""A write the client abandoned (the timeout fault) makes the simulator log the
disconnect; that is the fault working, not news."""


async def run_seed(
    seed: int, actions: int, workdir: Path, *, concurrent: bool = False, faults: str = FAULTS
) -> SeedResult:
    """Run one seed in `workdir` (its journal lives there); never raises for a violation."""
    started = time.monotonic()
    clock = SimClock()
    private_pem, public_pem = generate_key_pair()
    exchange = start_exchange(
        seed=seed,
        markets=30,
        agents=True,
        tick_s=3600.0,
        rate_limits=RateLimitConfig(enabled=False),
        keys=[(KEY_ID, public_pem)],
        balance_dollars=100_000,
        clock=clock,
        shard_dollars={2: 30_000},  # the soak trades crypto markets (shard 2) too
    )
    for name in QUIET_LOGGERS:  # after the server configured its logging
        logging.getLogger(name).setLevel(logging.CRITICAL)
    account = Account(
        exchange.base_url, KEY_ID, _private_key(private_pem), workdir / "journal.sqlite3", clock
    )
    driver = Driver(seed, exchange, account, clock, concurrent=concurrent, faults=faults)
    try:
        driver.tickers = await _tickers(exchange)
        try:
            failures = await driver.run(actions)
        except Exception as exc:  # a crash of the driver or the services is a failure too
            failures = [f"step {driver.step_no}: {type(exc).__name__}: {exc}"]
        await account.close()
    finally:
        exchange.stop()
    return SeedResult(
        seed=seed,
        actions=driver.step_no,
        failures=failures,
        faults=Counter(exchange.faults.injected),
        requests=Counter(exchange.faults.requests),
        checks=driver.tally.checks,
        outcomes=driver.outcomes,
        elapsed=time.monotonic() - started,
    )


async def _tickers(exchange: RunningExchange) -> list[str]:
    """A few open markets on the plain one-cent grid (no faults are on yet)."""
    async with api.KalshiClient(exchange.base_url) as client:
        markets = await client.get_all_markets(status="open", limit=100)
    plain = [
        m.ticker
        for m in markets
        if m.price_ranges and all(r.step == Decimal("0.01") for r in m.price_ranges)
    ]
    return plain[:TICKERS]
