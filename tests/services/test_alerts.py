"""Webhook alerts checked against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from halt_kit import place_resting

from kalshi_tui import api
from kalshi_tui.domain.models import Fill
from kalshi_tui.domain.store import Store
from kalshi_tui.journal import Journal
from kalshi_tui.services.alerts import Alert, Alerts, scrub
from kalshi_tui.services.killswitch import KillSwitch

TOKEN_PATH = "/api/webhooks/42/very-secret-token"


class Receiver:
    """A webhook endpoint: records JSON bodies; can answer with a status or hang."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = 204
        self.delay = 0.0
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length))
                time.sleep(receiver.delay)
                receiver.bodies.append(body)
                status = receiver.statuses.pop(0) if receiver.statuses else receiver.status
                self.send_response(status)
                if status == 429:
                    self.send_header("retry-after", "0.05")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{TOKEN_PATH}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


async def drain(alerts: Alerts) -> None:
    sender = asyncio.create_task(alerts.run())
    assert await alerts.flush(within=10.0)
    sender.cancel()


def a_fill() -> Fill:
    return Fill(
        fill_id="f-1",
        order_id="o-1",
        ticker="KXFED-26DEC-T4.00",
        side="yes",
        action="buy",
        count=Decimal(3),
        price=Decimal("0.42"),
        is_taker=True,
        fee=Decimal("0.02"),
        created_time=datetime.now(UTC),
    )


async def test_discord_shaped_posts_for_each_kind(receiver: Receiver, store: Store) -> None:
    alerts = Alerts(receiver.url, store=store, min_severity="info")
    assert alerts.halt("daily_loss", "loss limit", Decimal(612), Decimal(500), Decimal("88.5"))
    assert alerts.fill(a_fill())
    assert alerts.reject("KXFED-26DEC-T4.00", "insufficient_balance", "not enough cash")
    assert alerts.finding("orphan_order", "order o-9 unknown to the journal")
    await drain(alerts)
    assert len(receiver.bodies) == 4
    halt = receiver.bodies[0]
    assert set(halt) == {"content", "embeds"}
    assert halt["content"].startswith("[CRITICAL] Trading HALTED: loss limit")
    fields = {f["name"]: f["value"] for f in halt["embeds"][0]["fields"]}
    assert fields == {
        "trigger": "daily_loss",
        "value": "612",
        "threshold": "500",
        "open risk": "$88.50",
    }
    assert "buy 3 YES KXFED-26DEC-T4.00 @ 42¢" in receiver.bodies[1]["content"]
    assert "insufficient_balance" in receiver.bodies[2]["content"]
    assert "orphan_order" in receiver.bodies[3]["content"]
    assert alerts.stats.sent == 4
    assert store.snapshot.health["alerts"].errors == 0


async def test_severity_filter_and_deduplication(receiver: Receiver) -> None:
    alerts = Alerts(receiver.url, min_severity="warning")
    assert not alerts.fill(a_fill()), "info is below the threshold"
    assert alerts.reject("KX", "market_closed", "closed")
    assert not alerts.reject("KX", "market_closed", "closed again"), "same key in the window"
    assert alerts.reject("KX", "invalid_price", "bad price")
    await drain(alerts)
    assert len(receiver.bodies) == 2
    assert (alerts.stats.filtered, alerts.stats.duplicates) == (1, 1)


async def test_token_bucket_rate_limit_lets_critical_through(receiver: Receiver) -> None:
    alerts = Alerts(receiver.url, burst=3, per_minute=1.0)
    queued = [alerts.reject("KX", f"code_{i}", "no") for i in range(10)]
    assert queued == [True] * 3 + [False] * 7
    assert alerts.halt("manual", "pressed", None, None, None), "halts are never rate-limited"
    await drain(alerts)
    assert len(receiver.bodies) == 4
    assert alerts.stats.rate_limited == 7


async def test_a_failing_webhook_is_counted_shown_and_never_leaks_the_url(
    receiver: Receiver, store: Store
) -> None:
    receiver.status = 500
    alerts = Alerts(receiver.url, store=store)
    alerts.reject("KX", "x", "y")
    await drain(alerts)
    health = store.snapshot.health["alerts"]
    assert health.consecutive_errors == 1
    assert health.last_error == "webhook answered HTTP 500"
    assert any("alert not delivered" in e.text for e in store.log_since(0))
    assert alerts.stats.failed == 1
    receiver.close()
    alerts.reject("KX", "z", "unreachable now")
    await drain(alerts)
    health = store.snapshot.health["alerts"]
    assert health.consecutive_errors == 2
    assert "very-secret-token" not in health.last_error
    assert all("very-secret-token" not in e.text for e in store.log_since(0))


async def test_429_is_retried_once_after_retry_after(receiver: Receiver) -> None:
    receiver.statuses = [429]
    alerts = Alerts(receiver.url)
    alerts.reject("KX", "x", "y")
    await drain(alerts)
    assert len(receiver.bodies) == 2
    assert alerts.stats.sent == 1


def test_secrets_are_scrubbed() -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----"
    text = f"key {pem} KALSHI-ACCESS-SIGNATURE: abc== https://discord.com/api/webhooks/1/tok"
    cleaned = scrub(text)
    assert "MIIE" not in cleaned
    assert "abc==" not in cleaned
    assert "tok" not in cleaned
    payload = Alert("error", "t", text, key="k").payload()
    assert "MIIE" not in json.dumps(payload)


async def test_a_hanging_webhook_never_blocks_the_halt(
    receiver: Receiver, client: api.KalshiClient, journal: Journal, store: Store
) -> None:
    receiver.delay = 3.0
    alerts = Alerts(receiver.url, store=store, timeout=10.0)
    sender = asyncio.create_task(alerts.run())
    await place_resting(client, 10)
    switch = KillSwitch(client, journal, store, alerts=alerts)
    report = await switch.halt("manual", "webhook is hanging")
    assert report.verified
    assert report.cancelled == 10
    assert alerts.stats.sent == 0, "the halt finished while the first post still hangs"
    assert alerts.stats.queued == 2, "halt alert and outcome alert both queued"
    sender.cancel()
