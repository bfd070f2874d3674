"""One WebSocket connection: its account, its subscriptions and its outbox.

Messages are queued by whoever holds the venue lock (a REST route, the lifecycle ticker, a
test thread) and written by the connection's own sender task, so a slow reader never holds
the engine up. The outbox is bounded: a subscription whose messages would overflow it gets
error 25 ("Subscription buffer overflow") and ends, as Kalshi's docs describe.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from kalshi_tui.exchange.ws import messages

Json = dict[str, Any]

OUTBOX_LIMIT = 50_000
"""Messages a connection may have waiting before its busiest subscription overflows."""


@dataclass
class Subscription:
    """One `sid`: a channel and the markets it covers (None: every market)."""

    sid: int
    channel: str
    markets: list[str] | None
    use_yes_price: bool = False
    skip_ack: bool = False
    """`skip_ticker_ack`: `ok` replies omit the market list."""
    seq: int = 0
    alive: bool = True

    def covers(self, ticker: str) -> bool:
        return self.markets is None or ticker in self.markets

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


@dataclass
class Outgoing:
    """A message waiting to be sent, and the subscription it belongs to (None: a reply)."""

    message: Json
    subscription: Subscription | None = None


@dataclass
class StreamSession:
    """The server side of one connection."""

    user_id: str
    loop: asyncio.AbstractEventLoop
    subscriptions: dict[int, Subscription] = field(default_factory=dict)
    last_sid: int = 0
    outbox: deque[Outgoing] = field(default_factory=deque)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False
    ended: deque[Subscription] = field(default_factory=deque)
    """Subscriptions ended by an overflow, for the hub to release (under the venue lock)."""
    _loop_thread: int = field(default_factory=threading.get_ident)

    def by_channel(self, channel: str) -> Subscription | None:
        for subscription in self.subscriptions.values():
            if subscription.channel == channel:
                return subscription
        return None

    def new_subscription(self, channel: str, markets: list[str] | None, yes: bool) -> Subscription:
        self.last_sid += 1
        subscription = Subscription(self.last_sid, channel, markets, yes)
        self.subscriptions[subscription.sid] = subscription
        return subscription

    def reply(self, message: Json) -> None:
        """Queue a reply to a command (no subscription of its own)."""
        self._queue(Outgoing(message))

    def publish(self, subscription: Subscription, message: Json) -> None:
        """Queue a channel message for ``subscription``, adding its `sid` (and `seq` for the
        channels that carry one)."""
        if not subscription.alive:
            return
        out: Json = {"type": message["type"], "sid": subscription.sid}
        if message["type"] in messages.SEQ_TYPES:
            out["seq"] = subscription.next_seq()
        out["msg"] = message["msg"]
        if len(self.outbox) >= OUTBOX_LIMIT:
            self.overflow(subscription)
            return
        self._queue(Outgoing(out, subscription))

    def overflow(self, subscription: Subscription) -> None:
        """End ``subscription`` with error 25 (terminal: the client must resubscribe)."""
        subscription.alive = False
        self.subscriptions.pop(subscription.sid, None)
        self.ended.append(subscription)
        error = messages.error(25, "Subscription buffer overflow", None)
        error["sid"] = subscription.sid
        self._queue(Outgoing(error))

    def _queue(self, item: Outgoing) -> None:
        if self.closed:
            return
        self.outbox.append(item)
        if threading.get_ident() == self._loop_thread:
            self.wakeup.set()
        else:
            self.loop.call_soon_threadsafe(self.wakeup.set)

    async def next_batch(self) -> list[Outgoing]:
        """Wait for queued messages and take them all."""
        while not self.outbox:
            self.wakeup.clear()
            if self.outbox:
                break
            await self.wakeup.wait()
        batch = []
        outbox = self.outbox
        while outbox:  # popleft, not clear(): another thread may be appending
            batch.append(outbox.popleft())
        return batch


def encode(message: Json) -> str:
    return json.dumps(message, separators=(",", ":"))
