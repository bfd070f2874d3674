"""Alerts to a Discord-compatible webhook (`[alerts] webhook_url`).

Halts (with reason, value, threshold and open risk), fills, rejects and reconciliation
findings become JSON posts `{"content": ..., "embeds": [...]}`. Posting never blocks the
caller: `send()` filters (severity), de-duplicates (same key within `dedupe_seconds`),
rate-limits (a token bucket; critical alerts bypass it) and puts the alert on a bounded
queue, all synchronously and without I/O. A background task (`run()`) drains the queue;
a slow or failing webhook only delays later alerts. Failures are counted, shown in the
store's health entry "alerts" and logged — never raised to trading code.

Secrets never leave: alerts are built from trading facts only, text is scrubbed of
anything that looks like a private key or a signature, and the webhook URL (which holds
Discord's token) never appears in logs or health messages.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

import httpx

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.models import Fill
from kalshi_tui.domain.store import Store

Severity = Literal["info", "warning", "error", "critical"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2, "critical": 3}
COLOURS = {"info": 0x3498DB, "warning": 0xF1C40F, "error": 0xE67E22, "critical": 0xE74C3C}
HEALTH_NAME = "alerts"
QUEUE_SIZE = 256
MAX_TEXT = 1900
"""Discord caps `content` at 2000 characters."""

_SECRET_PATTERNS = (
    re.compile(r"-----BEGIN [A-Z ]*-----.*?-----END [A-Z ]*-----", re.S),
    re.compile(r"(?i)(kalshi-access-(?:signature|key)\s*[:=]\s*)\S+"),
    re.compile(r"https?://\S*/api/webhooks/\S+"),
)


def scrub(text: str) -> str:
    """Remove key material, signatures and webhook URLs from `text`."""
    text = _SECRET_PATTERNS[0].sub("[redacted key]", text)
    text = _SECRET_PATTERNS[1].sub(r"\1[redacted]", text)
    return _SECRET_PATTERNS[2].sub("[redacted webhook]", text)


@dataclass(frozen=True, slots=True)
class Alert:
    """One message for the webhook."""

    severity: Severity
    title: str
    text: str
    key: str
    """De-duplication key: a repeat within the window is dropped."""
    fields: tuple[tuple[str, str], ...] = ()
    at: float = field(default_factory=time.time)

    def payload(self) -> dict[str, object]:
        """The Discord webhook body."""
        content = scrub(f"[{self.severity.upper()}] {self.title}: {self.text}")[:MAX_TEXT]
        embed: dict[str, object] = {
            "title": scrub(self.title)[:256],
            "description": scrub(self.text)[:4000],
            "color": COLOURS[self.severity],
            "timestamp": datetime.fromtimestamp(self.at, UTC).isoformat(),
            "fields": [
                {"name": scrub(name)[:256], "value": scrub(value)[:1024], "inline": True}
                for name, value in self.fields
            ],
        }
        return {"content": content, "embeds": [embed]}


@dataclass(slots=True)
class AlertStats:
    queued: int = 0
    sent: int = 0
    failed: int = 0
    filtered: int = 0
    """Below the severity threshold."""
    duplicates: int = 0
    rate_limited: int = 0
    overflow: int = 0
    """Dropped because the queue was full (the webhook is far behind)."""


class Alerts:
    """Non-blocking alert sender. Call `send()` (or the helpers) anywhere; run `run()`
    as a background task, `close()` at the end."""

    def __init__(
        self,
        webhook_url: str | None,
        *,
        store: Store | None = None,
        min_severity: Severity = "warning",
        dedupe_seconds: float = 300.0,
        per_minute: float = 20.0,
        burst: int = 5,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = webhook_url
        self._store = store
        self._min_rank = SEVERITY_RANK[min_severity]
        self._dedupe = dedupe_seconds
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._tokens = float(burst)
        self._refilled = monotonic()
        self._monotonic = monotonic
        self._timeout = timeout
        self._transport = transport
        self._seen: dict[str, float] = {}
        self._queue: asyncio.Queue[Alert] = asyncio.Queue(QUEUE_SIZE)
        self.stats = AlertStats()

    @property
    def enabled(self) -> bool:
        return self._url is not None

    # --- producing (synchronous, no I/O) ---------------------------------------------------

    def send(self, alert: Alert) -> bool:
        """Queue `alert` unless filtered; True when queued. Never blocks, never raises."""
        if self._url is None:
            return False
        if SEVERITY_RANK[alert.severity] < self._min_rank:
            self.stats.filtered += 1
            return False
        now = self._monotonic()
        last = self._seen.get(alert.key)
        if last is not None and now - last < self._dedupe:
            self.stats.duplicates += 1
            return False
        if alert.severity != "critical" and not self._take_token(now):
            self.stats.rate_limited += 1
            return False
        try:
            self._queue.put_nowait(alert)
        except asyncio.QueueFull:
            self.stats.overflow += 1
            self._note_failure("alert queue full: the webhook is not keeping up")
            return False
        self._seen[alert.key] = now
        if len(self._seen) > 4096:
            cutoff = now - self._dedupe
            self._seen = {k: t for k, t in self._seen.items() if t >= cutoff}
        self.stats.queued += 1
        return True

    def _take_token(self, now: float) -> bool:
        self._tokens = min(self._burst, self._tokens + (now - self._refilled) * self._rate)
        self._refilled = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def halt(
        self,
        trigger: str,
        reason: str,
        value: Decimal | None,
        threshold: Decimal | None,
        open_risk: Decimal | None,
    ) -> bool:
        fields = [("trigger", trigger)]
        if value is not None:
            fields.append(("value", str(value)))
        if threshold is not None:
            fields.append(("threshold", str(threshold)))
        if open_risk is not None:
            fields.append(("open risk", f"${open_risk:,.2f}"))
        alert = Alert(
            "critical",
            "Trading HALTED",
            reason,
            key=f"halt:{trigger}:{reason}",
            fields=tuple(fields),
        )
        return self.send(alert)

    def halt_outcome(self, summary: str, *, verified: bool) -> bool:
        severity: Severity = "warning" if verified else "critical"
        title = "Halt verified: book flat" if verified else "Halt UNVERIFIED"
        return self.send(Alert(severity, title, summary, key=f"halt-outcome:{summary}"))

    def fill(self, fill: Fill) -> bool:
        text = (
            f"{fill.action} {fmt.count(fill.count)} {fill.side.upper()} {fill.ticker} "
            f"@ {fmt.cents(fill.price)}"
        )
        fields = (("fee", fmt.exact_dollars(fill.fee)), ("order", fill.order_id))
        return self.send(Alert("info", "Fill", text, key=f"fill:{fill.fill_id}", fields=fields))

    def reject(self, ticker: str, code: str, message: str) -> bool:
        text = f"{ticker}: {code} — {message}"
        return self.send(Alert("warning", "Order rejected", text, key=f"reject:{ticker}:{code}"))

    def finding(self, kind: str, detail: str) -> bool:
        return self.send(
            Alert("error", "Reconciliation finding", f"{kind}: {detail}", key=f"finding:{kind}")
        )

    # --- consuming (the background task) ---------------------------------------------------

    async def run(self) -> None:
        """Post queued alerts one at a time until cancelled."""
        if self._url is None:
            return
        async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as http:
            while True:
                alert = await self._queue.get()
                try:
                    await self._post(http, alert)
                except Exception as exc:  # never let one alert stop the sender
                    self._note_failure(f"alert not sent ({type(exc).__name__})")
                finally:
                    self._queue.task_done()

    async def _post(self, http: httpx.AsyncClient, alert: Alert) -> None:
        assert self._url is not None
        started = self._monotonic()
        for attempt in range(2):
            try:
                response = await http.post(self._url, json=alert.payload())
            except httpx.HTTPError as exc:
                # The exception text may contain the URL (and so Discord's token).
                self._note_failure(f"webhook unreachable ({type(exc).__name__})")
                return
            if response.status_code == 429 and attempt == 0:
                await asyncio.sleep(min(_retry_after(response), 10.0))
                continue
            if response.is_success:
                self.stats.sent += 1
                if self._store is not None:
                    _ensure_health(self._store)
                    self._store.record_success(HEALTH_NAME, self._monotonic() - started)
                return
            self._note_failure(f"webhook answered HTTP {response.status_code}")
            return

    def _note_failure(self, message: str) -> None:
        self.stats.failed += 1
        if self._store is not None:
            _ensure_health(self._store)
            health = self._store.record_failure(HEALTH_NAME, message)
            if health.consecutive_errors in (1, 10) or health.consecutive_errors % 100 == 0:
                self._store.log(f"alert not delivered: {message}", level="warning")

    async def flush(self, within: float) -> bool:
        """Wait up to `within` s for the queue to drain (the CLI before exiting)."""
        try:
            await asyncio.wait_for(self._queue.join(), within)
        except TimeoutError:
            return False
        return True


def _ensure_health(store: Store) -> None:
    # Registered on the first delivery attempt, never stale by age: no alerts for an
    # hour is not a problem, a failed delivery is (shown through its error count).
    store.ensure_health(HEALTH_NAME, interval=0.0, stale_after=float("inf"))


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("retry-after", "1")))
    except ValueError:
        return 1.0
