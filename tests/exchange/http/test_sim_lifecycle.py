"""Market lifecycle over HTTP: markets close, are determined and settle while the exchange
serves (on its own schedule, driven by the clock), pause and resume, and settlement rows and
payouts for yes, no and void results."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
from conftest import KeyPair, StartExchange
from sim_http_kit import KEY_ID, OTHER_KEY_ID, KalshiAuth, error_code, v2_order

from kalshi_tui.exchange.server import RunningExchange


@dataclass
class Session:
    """An exchange on a clock the test moves, and both accounts' clients following it."""

    exchange: RunningExchange
    me: httpx.Client
    them: httpx.Client
    offset_s: list[float]
    auths: list[KalshiAuth]

    def advance(self, seconds: float) -> None:
        """Move the clock and let the exchange run its lifecycle step at the new time."""
        self.offset_s[0] += seconds
        for auth in self.auths:
            auth.skew_s = self.offset_s[0]  # a client signing with the server's time
        self.exchange.tick()


@pytest.fixture
def session(start: StartExchange, key_pair: KeyPair, other_key_pair: KeyPair) -> Iterator[Session]:
    offset = [0.0]
    # The quick markets are crypto, on shard 2: both accounts hold collateral there.
    exchange = start(
        profile="current",
        markets=60,
        clock=lambda: time.time() + offset[0],
        shard_dollars={2: 2_000},
    )
    auths = [KalshiAuth(KEY_ID, key_pair[0]), KalshiAuth(OTHER_KEY_ID, other_key_pair[0])]
    with (
        httpx.Client(base_url=exchange.base_url, auth=auths[0]) as me,
        httpx.Client(base_url=exchange.base_url, auth=auths[1]) as them,
    ):
        yield Session(exchange, me, them, offset, auths)


def _trade(session: Session, ticker: str, price: str = "0.4000", count: str = "10") -> None:
    """We buy `count` YES at `price` from the counterparty (who is short: NO)."""
    ask = v2_order(ticker, side="ask", price=price, count=count)
    assert session.them.post("/portfolio/events/orders", json=ask).status_code == 201
    bid = v2_order(ticker, side="bid", price=price, count=count)
    reply = session.me.post("/portfolio/events/orders", json=bid).json()
    assert reply["fill_count"] == f"{int(count)}.00", reply


def _balance(client: httpx.Client) -> str:
    balance: str = client.get("/portfolio/balance").json()["balance_dollars"]
    return balance


def test_a_market_closes_and_settles_during_the_session(session: Session) -> None:
    markets = session.me.get("/markets", params={"status": "open", "limit": 1000}).json()
    soonest = min(markets["markets"], key=lambda m: m["close_time"])
    ticker = soonest["ticker"]
    _trade(session, ticker)
    resting = session.me.post(
        "/portfolio/events/orders", json=v2_order(ticker, price="0.1000")
    ).json()
    close_at = datetime.fromisoformat(soonest["close_time"].replace("Z", "+00:00"))
    close_in = close_at.timestamp() - time.time()
    # A quick market closes within minutes of the start (no tick has run since; if its close
    # time passed a moment ago, the next tick closes it).
    assert -5 < close_in < 20 * 60

    session.advance(max(close_in, 0) + 1)
    market = session.me.get(f"/markets/{ticker}").json()["market"]
    assert market["status"] == "closed"
    order = session.me.get(f"/portfolio/orders/{resting['order_id']}").json()["order"]
    assert (order["status"], order["last_update_reason"]) == ("canceled", "MarketClosed")
    refused = session.me.post("/portfolio/events/orders", json=v2_order(ticker))
    assert refused.status_code == 400
    assert error_code(refused) == "market_inactive"
    assert ticker in {
        m["ticker"]
        for m in session.me.get("/markets", params={"status": "closed"}).json()["markets"]
    }

    session.advance(31)
    market = session.me.get(f"/markets/{ticker}").json()["market"]
    assert market["status"] == "determined"
    assert market["result"] in ("yes", "no")
    before = _balance(session.me)
    session.advance(market["settlement_timer_seconds"] + 1)
    market = session.me.get(f"/markets/{ticker}").json()["market"]
    assert market["status"] == "finalized"
    (row,) = session.me.get("/portfolio/settlements").json()["settlements"]
    won = market["result"] == "yes"
    assert row["market_result"] == market["result"]
    assert (row["yes_count_fp"], row["yes_total_cost_dollars"]) == ("10.00", "4.0000")
    assert row["revenue"] == (1000 if won else 0)
    expected = f"{float(before) + (10 if won else 0):.4f}"
    assert _balance(session.me) == expected
    (their_row,) = session.them.get("/portfolio/settlements").json()["settlements"]
    assert their_row["revenue"] == (0 if won else 1000)
    listed = session.me.get("/markets", params={"status": "settled"}).json()["markets"]
    assert ticker in {m["ticker"] for m in listed}
    assert (
        session.me.get("/portfolio/positions", params={"count_filter": "position"}).json()[
            "market_positions"
        ]
        == []
    )


@pytest.mark.parametrize(
    ("result", "my_revenue", "their_revenue", "value"),
    [("yes", 1000, 0, 100), ("no", 0, 1000, 0), ("void", 400, 600, None)],
)
def test_settlement_rows_and_payouts(
    session: Session, result: str, my_revenue: int, their_revenue: int, value: int | None
) -> None:
    ticker = session.me.get("/markets", params={"status": "open", "limit": 1}).json()["markets"][0][
        "ticker"
    ]
    _trade(session, ticker)
    mine, theirs = _balance(session.me), _balance(session.them)
    with session.exchange.engine() as engine:
        now = session.exchange.now_ms()
        engine.close_market(ticker, now)
        engine.determine_market(ticker, result, now + 1)  # type: ignore[arg-type]
        engine.settle_market(ticker, now + 2)
    (row,) = session.me.get("/portfolio/settlements", params={"ticker": ticker}).json()[
        "settlements"
    ]
    assert (row["market_result"], row["revenue"]) == (result, my_revenue)
    # Payout per YES contract in cents (none on void); the current profile sends the
    # documented integer `value` and `revenue` only (no `_dollars` twins: not in the docs).
    assert row.get("value") == value
    assert "value_dollars" not in row
    assert "revenue_dollars" not in row
    (their_row,) = session.them.get("/portfolio/settlements").json()["settlements"]
    assert (their_row["no_count_fp"], their_row["no_total_cost_dollars"]) == ("10.00", "6.0000")
    assert their_row["revenue"] == their_revenue
    assert float(_balance(session.me)) == pytest.approx(float(mine) + my_revenue / 100)
    assert float(_balance(session.them)) == pytest.approx(float(theirs) + their_revenue / 100)
    market = session.me.get(f"/markets/{ticker}").json()["market"]
    assert (market["status"], market["result"]) == ("finalized", result)


def test_pause_and_resume_a_market(session: Session) -> None:
    ticker = session.me.get("/markets", params={"status": "open", "limit": 1}).json()["markets"][0][
        "ticker"
    ]
    keep = session.me.post("/portfolio/events/orders", json=v2_order(ticker)).json()
    pulled = session.me.post(
        "/portfolio/events/orders", json=v2_order(ticker, cancel_order_on_pause=True)
    ).json()
    with session.exchange.engine() as engine:
        engine.pause_market(ticker, session.exchange.now_ms())
    assert session.me.get(f"/markets/{ticker}").json()["market"]["status"] == "inactive"
    paused = session.me.get("/markets", params={"status": "paused"}).json()["markets"]
    assert [m["ticker"] for m in paused] == [ticker]
    refused = session.me.post("/portfolio/events/orders", json=v2_order(ticker))
    assert refused.status_code == 400
    assert error_code(refused) == "market_inactive"
    pulled_order = session.me.get(f"/portfolio/orders/{pulled['order_id']}").json()["order"]
    assert pulled_order["status"] == "canceled"
    kept_order = session.me.get(f"/portfolio/orders/{keep['order_id']}").json()["order"]
    assert kept_order["status"] == "resting"

    with session.exchange.engine() as engine:
        engine.resume_market(ticker, session.exchange.now_ms())
    assert session.me.get(f"/markets/{ticker}").json()["market"]["status"] == "active"
    assert session.me.post("/portfolio/events/orders", json=v2_order(ticker)).status_code == 201


def test_agents_trade_and_fill_a_resting_order_as_the_clock_runs(
    start: StartExchange, key_pair: KeyPair
) -> None:
    """With liquidity agents on, prices move and the user's bid at the best price fills."""
    offset = [0.0]
    exchange = start(agents=True, markets=30, clock=lambda: time.time() + offset[0])
    auth = KalshiAuth(KEY_ID, key_pair[0])
    with httpx.Client(base_url=exchange.base_url, auth=auth) as me:
        market = me.get("/markets", params={"status": "open", "limit": 1}).json()["markets"][0]
        ticker, best_bid = market["ticker"], market["yes_bid_dollars"]
        assert market["yes_ask_dollars"] > best_bid  # agents quote both sides
        bid = v2_order(ticker, price=best_bid, count="20")
        assert me.post("/portfolio/events/orders", json=bid).status_code == 201
        for _ in range(300):
            offset[0] += 1.0
            auth.skew_s = offset[0]
            exchange.tick()
        fills = me.get("/portfolio/fills", params={"ticker": ticker}).json()["fills"]
        assert fills, "the bid at the best price should trade within five minutes"
        session_trades = me.get("/markets/trades", params={"limit": 1000}).json()["trades"]
        assert len(session_trades) > 20
        assert len({t["ticker"] for t in session_trades}) > 1
