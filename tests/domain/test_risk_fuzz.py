"""Hypothesis fuzz of the gate: no invalid order is ever approved, and judging an order
(approval or denial) never touches the network."""

from __future__ import annotations

import ast
import socket
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from unittest import mock

from hypothesis import event, given, settings
from hypothesis import strategies as st
from risk_world import NOW, context, draft, fresh_health, health, position, resting

from kalshi_tui.domain.models import Order, Position
from kalshi_tui.domain.orders import OrderDraft
from kalshi_tui.domain.price_grid import WHOLE_CENT_GRID, is_on_grid
from kalshi_tui.domain.risk import RiskGate, order_cost
from kalshi_tui.domain.risk_context import GATE_FEEDS
from kalshi_tui.domain.risk_limits import RiskLimits
from kalshi_tui.domain.store import TradingMode, TradingState

D = Decimal
LIMITS = RiskLimits()
PURE_MODULES = (
    "kalshi_tui.domain.risk",
    "kalshi_tui.domain.risk_context",
    "kalshi_tui.domain.risk_limits",
    "kalshi_tui.domain.exposure",
    "kalshi_tui.domain.trading_state",
    "kalshi_tui.domain.triggers",
)
SPECIAL = st.sampled_from([D("NaN"), D("Infinity"), D("-Infinity"), D("sNaN")])

# Weighted towards orders that could pass, so approvals are common enough to check.
prices = st.one_of(
    st.integers(30, 54).map(lambda c: D(c) / 100),
    st.integers(30, 54).map(lambda c: D(c) / 100),
    st.integers(-5, 105).map(lambda c: D(c) / 100),
    st.decimals(D("-0.5"), D("1.5"), places=4, allow_nan=False, allow_infinity=False),
    SPECIAL,
)
counts = st.one_of(
    st.integers(1, 150).map(D),
    st.decimals(D("0.01"), D("120"), places=2, allow_nan=False, allow_infinity=False),
    st.integers(-3, 200).map(D),
    st.decimals(D("-2"), D("250"), places=3, allow_nan=False, allow_infinity=False),
    SPECIAL,
)


@st.composite
def drafts(draw: st.DrawFn) -> OrderDraft:
    return draft(
        draw(prices),
        draw(counts),
        ticker=draw(st.sampled_from(["EV-A", "EV-A", "EV-A", "EV-B", "NOPE"])),
        side=draw(st.sampled_from(["yes", "no"])),
        action=draw(st.sampled_from(["buy", "sell"])),
        tif=draw(st.sampled_from(["good_till_canceled", "immediate_or_cancel"])),
    )


@st.composite
def accounts(draw: st.DrawFn) -> tuple[list[Position], list[Order]]:
    held = draw(st.integers(-600, 600))
    positions = [position("EV-A", str(held), str(abs(held) * D("0.4")))] if held else []
    orders = [
        resting("EV-A", draw(st.sampled_from(["yes", "no"])), "buy", "0.30", "5", f"o{i}")
        for i in range(draw(st.integers(0, 3)))
    ]
    return positions, orders


def _no_network(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("the risk gate touched the network")


@settings(max_examples=1000, deadline=None)
@given(
    order=drafts(),
    account=accounts(),
    mode=st.sampled_from([TradingMode.ACTIVE, TradingMode.ACTIVE, *TradingMode]),
    stale=st.one_of(st.just(set[str]()), st.sets(st.sampled_from(GATE_FEEDS))),
    cash=st.integers(0, 2000).map(D),
)
def test_no_invalid_order_is_ever_approved(
    order: OrderDraft,
    account: tuple[list[Position], list[Order]],
    mode: TradingMode,
    stale: set[str],
    cash: Decimal,
) -> None:
    positions, orders = account
    ages = {name: health(age=60.0) for name in stale}
    ctx = context(
        positions=positions,
        orders=orders,
        cash=str(cash),
        trading=TradingState(mode, "fuzz", NOW),
        health_map=fresh_health(**ages),
    )
    gate = RiskGate(LIMITS, lambda: ctx)
    with (
        mock.patch.object(socket, "socket", side_effect=_no_network),
        mock.patch.object(socket, "create_connection", side_effect=_no_network),
        mock.patch.object(socket, "getaddrinfo", side_effect=_no_network),
    ):
        denial = gate(order)
    event("approved" if denial is None else denial.code)
    if denial is not None:
        assert denial.code != "risk_error", denial  # every input is judged, not crashed on
        return
    assert mode is not TradingMode.HALTED
    assert not stale
    assert not ctx.stale
    assert order.price.is_finite()
    assert D(0) < order.price < D(1)
    assert is_on_grid(order.price, WHOLE_CENT_GRID)
    assert order.count.is_finite()
    assert order.count > 0
    assert order.count == order.count.quantize(D("0.01"))
    assert order.count <= LIMITS.max_order_contracts
    assert order.notional <= LIMITS.max_order_notional_dollars
    held = ctx.positions[order.ticker].contracts if order.ticker in ctx.positions else D(0)
    assert order_cost(order, held) <= LIMITS.max_order_notional_dollars
    assert order.ticker in ctx.markets
    if mode is TradingMode.REDUCING:
        held = ctx.positions[order.ticker].contracts
        assert (held > 0) != order.is_yes_bid
        assert order.count <= abs(held)


def test_the_risk_modules_import_nothing_that_does_io() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {PURE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('httpx', 'socket', 'ssl', 'sqlite3', 'asyncio', 'textual') "
        "or m.startswith(('kalshi_tui.api', 'kalshi_tui.services', 'kalshi_tui.journal', "
        "'kalshi_tui.exchange', 'kalshi_tui.ui', 'kalshi_tui.config')))\n"
        "raise SystemExit(repr(bad) if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_risk_modules_import_only_the_domain_and_the_standard_library() -> None:
    allowed_stdlib = {
        "collections",
        "dataclasses",
        "datetime",
        "decimal",
        "fractions",
        "types",
        "typing",
    }
    root = Path(__file__).resolve().parents[2]
    for name in PURE_MODULES:
        tree = ast.parse((root / (name.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                module = node.module
            elif isinstance(node, ast.Import):
                module = node.names[0].name
            else:
                continue
            top = module.split(".")[0]
            assert (
                module == "__future__"
                or top in allowed_stdlib
                or module.startswith("kalshi_tui.domain.")
                or module == "kalshi_tui.domain"  # `from kalshi_tui.domain import format`
                # The fee formula shared with the simulator: standard library only (issue 12).
                or module == "kalshi_tui.fee_rounding"
                or (module == "kalshi_tui" and node.names[0].name == "fee_rounding")
            ), f"{name} imports {module}"
