"""The stream's switchboard: every connection's commands, and the engine's changes turned
into channel messages.

`StreamHub.flush` runs as a hook of the venue lock (`VenueLock.after`), so it sees the engine
after every call that changed it — a REST order, the lifecycle ticker and its agents, an
admin action — and before the REST reply leaves. While nobody is connected the engine records
nothing and the hook returns at once. Order book deltas are the difference between the book
and the hub's copy of it (one copy per market anyone watches), taken after each call: a
call's net change per price level, in the engine's order of events.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kalshi_tui.exchange.engine.changes import Changes
from kalshi_tui.exchange.http.context import SimContext
from kalshi_tui.exchange.ws import messages
from kalshi_tui.exchange.ws.commands import (
    MARKET_FILTERED,
    UPDATABLE,
    CommandError,
    ListSubscriptions,
    Subscribe,
    Unsubscribe,
    Update,
    parse,
)
from kalshi_tui.exchange.ws.session import StreamSession, Subscription

log = logging.getLogger(__name__)

Json = dict[str, Any]


@dataclass
class BookCopy:
    """The hub's copy of one market's book: own price → count, per side."""

    yes: dict[int, int] = field(default_factory=dict)
    no: dict[int, int] = field(default_factory=dict)


class StreamHub:
    """Every stream connection of one venue."""

    def __init__(self, context: SimContext) -> None:
        self.context = context
        self.sessions: list[StreamSession] = []
        self._books: dict[str, BookCopy] = {}
        self._book_refs: Counter[str] = Counter()
        self._tickers: dict[str, messages.TickerFields] = {}
        self._last_size: dict[str, int] = {}
        self._known: frozenset[str] | None = None
        self._by_id: dict[str, str] | None = None
        self._index: dict[str, list[tuple[StreamSession, Subscription]]] | None = None
        context.lock.after.append(self.flush)

    def watched(self) -> frozenset[str]:
        """Markets whose book the hub keeps a copy of (someone's orderbook subscription)."""
        return frozenset(self._books)

    # ---- connections -----------------------------------------------------------------------

    def attach(self, session: StreamSession) -> None:
        with self.context.lock:
            self.sessions.append(session)
            self._index = None
            self.context.engine.record_changes(True)

    def detach(self, session: StreamSession) -> None:
        with self.context.lock:
            self._release_ended()
            session.closed = True
            self._index = None
            if session in self.sessions:
                self.sessions.remove(session)
            for subscription in list(session.subscriptions.values()):
                self._drop(session, subscription)
            if not self.sessions:
                self.context.engine.record_changes(False)
                self._tickers.clear()

    # ---- commands --------------------------------------------------------------------------

    def handle(self, session: StreamSession, text: str | bytes) -> None:
        """Run one command and queue its replies (and snapshots)."""
        with self.context.lock:
            self._release_ended()
            self._index = None
            try:
                ident, command = parse(text)
            except CommandError as error:
                session.reply(
                    messages.error(error.code, error.message, error.command_id, error.market_ticker)
                )
                return
            try:
                if isinstance(command, Subscribe):
                    self._subscribe(session, ident, command)
                elif isinstance(command, Unsubscribe):
                    self._unsubscribe(session, ident, command)
                elif isinstance(command, Update):
                    self._update(session, ident, command)
                elif isinstance(command, ListSubscriptions):
                    items = [
                        {"channel": s.channel, "sid": s.sid} for s in session.subscriptions.values()
                    ]
                    session.reply({"id": ident or 0, "type": "ok", "msg": items})
            except CommandError as error:
                session.reply(messages.error(error.code, error.message, ident, error.market_ticker))
            except Exception:
                # A bug must cost the command (code 17, as Kalshi's "Internal error"), never
                # the connection or the venue.
                log.exception("stream command failed")
                session.reply(messages.error(17, "Internal error", ident))

    def _known_tickers(self) -> frozenset[str]:
        if self._known is None:
            self._known = frozenset(self.context.engine.market_tickers())
        return self._known

    def _resolve(self, tickers: tuple[str, ...], ids: tuple[str, ...]) -> list[str]:
        known = self._known_tickers()
        for ticker in tickers:
            if ticker not in known:
                raise CommandError(16, "Market not found", ticker)
        out = list(tickers)
        if ids:
            if self._by_id is None:
                self._by_id = {messages.market_id(t): t for t in known}
            for market in ids:
                found = self._by_id.get(market)
                if found is None:
                    raise CommandError(16, f"Market not found: market_id {market}")
                out.append(found)
        return list(dict.fromkeys(out))

    def _subscribe(self, session: StreamSession, ident: int | None, command: Subscribe) -> None:
        markets = None
        if command.markets is not None or command.market_ids is not None:
            markets = self._resolve(command.markets or (), command.market_ids or ())
        for channel in command.channels:
            if session.by_channel(channel) is not None:
                session.reply(messages.error(6, f"Already subscribed to {channel}", ident))
                continue
            subscription = session.new_subscription(
                channel,
                list(markets) if markets is not None and channel in MARKET_FILTERED else None,
                command.use_yes_price and channel == "orderbook_delta",
            )
            subscription.skip_ack = command.skip_ticker_ack
            reply: Json = {
                "type": "subscribed",
                "msg": {"channel": channel, "sid": subscription.sid},
            }
            if ident:
                reply["id"] = ident
            session.reply(reply)
            for ticker in subscription.markets or ():
                self._start_market(session, subscription, ticker, command.send_initial_snapshot)

    def _start_market(
        self, session: StreamSession, subscription: Subscription, ticker: str, initial: bool
    ) -> None:
        """A market joins a subscription: the book's snapshot, or the ticker's (on request)."""
        if subscription.channel == "orderbook_delta":
            self._send_snapshot(session, subscription, self._watch(ticker), ticker)
        elif subscription.channel == "ticker" and initial:
            fields = self.context.engine.ticker_fields(ticker)
            session.publish(subscription, self._ticker_message(ticker, fields))

    def _send_snapshot(
        self, session: StreamSession, subscription: Subscription, copy: BookCopy, ticker: str
    ) -> None:
        message = messages.snapshot(
            ticker,
            tuple(sorted(copy.yes.items())),
            tuple(sorted(copy.no.items())),
            subscription.use_yes_price,
        )
        session.publish(subscription, message)

    def _watch(self, ticker: str) -> BookCopy:
        """The hub's copy of ``ticker``'s book, made now if nobody watched it yet."""
        self._book_refs[ticker] += 1
        copy = self._books.get(ticker)
        if copy is None:
            book = self.context.engine.get_book(ticker)
            copy = BookCopy(dict(book.yes), dict(book.no))
            self._books[ticker] = copy
        return copy

    def _unwatch(self, ticker: str) -> None:
        self._book_refs[ticker] -= 1
        if self._book_refs[ticker] <= 0:
            del self._book_refs[ticker]
            self._books.pop(ticker, None)

    def _release_ended(self) -> None:
        """Let go of what overflowed subscriptions held (their book copies)."""
        for session in self.sessions:
            while session.ended:
                subscription = session.ended.popleft()
                self._index = None
                if subscription.channel == "orderbook_delta":
                    for ticker in subscription.markets or ():
                        self._unwatch(ticker)

    def _drop(self, session: StreamSession, subscription: Subscription) -> None:
        subscription.alive = False
        session.subscriptions.pop(subscription.sid, None)
        if subscription.channel == "orderbook_delta":
            for ticker in subscription.markets or ():
                self._unwatch(ticker)

    def _unsubscribe(self, session: StreamSession, ident: int | None, command: Unsubscribe) -> None:
        for sid in command.sids:
            subscription = session.subscriptions.get(sid)
            if subscription is None:
                session.reply(messages.error(7, f"Unknown subscription ID {sid}", ident))
                continue
            seq = subscription.next_seq()
            self._drop(session, subscription)
            reply: Json = {"id": ident} if ident else {}
            reply.update(sid=sid, seq=seq, type="unsubscribed")
            session.reply(reply)

    def _update(self, session: StreamSession, ident: int | None, command: Update) -> None:
        subscription = session.subscriptions.get(command.sid)
        if subscription is None:
            raise CommandError(7, f"Unknown subscription ID {command.sid}")
        channel = subscription.channel
        if command.action == "get_snapshot" and channel != "orderbook_delta":
            raise CommandError(13, f"Unsupported action get_snapshot on {channel}")
        if command.action != "get_snapshot" and channel not in UPDATABLE:
            raise CommandError(13, f"Unsupported action {command.action} on {channel}")
        if command.market_ids and channel != "ticker":
            raise CommandError(11, "Invalid parameter: market_id(s) are supported on ticker only")
        tickers = self._resolve(command.markets, command.market_ids)
        if subscription.markets is None:
            raise CommandError(
                11, "Invalid parameter: this subscription already covers every market"
            )
        current = subscription.markets
        added: list[str] = []
        if command.action == "add_markets":
            added = [t for t in tickers if t not in current]
            current.extend(added)
        elif command.action == "delete_markets":
            for ticker in tickers:
                if ticker in current:
                    current.remove(ticker)
                    if channel == "orderbook_delta":
                        self._unwatch(ticker)
        reply: Json = {"id": ident} if ident else {}
        reply.update(sid=subscription.sid, seq=subscription.next_seq(), type="ok")
        if not subscription.skip_ack:
            reply["msg"] = {"market_tickers": list(current)}
        session.reply(reply)
        if command.action == "get_snapshot":
            for ticker in tickers:
                copy = self._books.get(ticker)
                if copy is None:  # not watched: the book as it is, without keeping a copy
                    book = self.context.engine.get_book(ticker)
                    copy = BookCopy(dict(book.yes), dict(book.no))
                self._send_snapshot(session, subscription, copy, ticker)
        for ticker in added:
            self._start_market(session, subscription, ticker, command.send_initial_snapshot)

    # ---- the engine's changes --------------------------------------------------------------

    def flush(self) -> None:
        """Publish what the engine changed since the last flush (the lock is held)."""
        if not self.sessions:
            return
        self._release_ended()
        changes = self.context.engine.take_changes()
        if changes is None:
            return
        try:
            self._publish(changes)
        except Exception:
            # The stream must never break an engine call; a failure here is a bug to log.
            log.exception("stream publication failed")

    def _subscribers(self, channel: str) -> list[tuple[StreamSession, Subscription]]:
        """Every live subscription to ``channel`` (an index rebuilt after any change)."""
        index = self._index
        if index is None:
            index = {}
            for session in self.sessions:
                for subscription in session.subscriptions.values():
                    index.setdefault(subscription.channel, []).append((session, subscription))
            self._index = index
        return index.get(channel, [])

    def _publish(self, changes: Changes) -> None:
        now = self.context.now_ms()
        engine = self.context.engine
        books = self._subscribers("orderbook_delta")
        if books:
            for ticker in changes.markets:
                copy = self._books.get(ticker)
                if copy is None:
                    continue
                for side, price, change in self._diff(ticker, copy):
                    for session, subscription in books:
                        if subscription.covers(ticker):
                            message = messages.delta(
                                ticker, side, price, change, now, subscription.use_yes_price
                            )
                            session.publish(subscription, message)
        trades = self._subscribers("trade")
        for trade in changes.trades:
            self._last_size[trade.ticker] = trade.count
            for session, subscription in trades:
                if subscription.covers(trade.ticker):
                    session.publish(subscription, messages.trade(trade))
        tickers = self._subscribers("ticker")
        if tickers:
            for ticker in changes.markets:
                watchers = [(s, sub) for s, sub in tickers if sub.covers(ticker)]
                if not watchers:
                    continue
                fields = engine.ticker_fields(ticker)
                if self._tickers.get(ticker) == fields:
                    continue
                self._tickers[ticker] = fields
                message = self._ticker_message(ticker, fields)
                for session, subscription in watchers:
                    session.publish(subscription, message)
        self._publish_private(changes)
        if changes.events:  # new markets: subscriptions may name them from now on
            self._known = None
            self._by_id = None
        lifecycle = self._subscribers("market_lifecycle_v2")
        if lifecycle:
            for event_ticker, _ in changes.events:
                message = messages.event_lifecycle(engine.get_event(event_ticker))
                for session, subscription in lifecycle:
                    session.publish(subscription, message)
            for ticker, event_type, at in changes.lifecycle:
                message = messages.lifecycle(engine.get_market(ticker), event_type, at)
                for session, subscription in lifecycle:
                    session.publish(subscription, message)

    def _publish_private(self, changes: Changes) -> None:
        engine = self.context.engine
        fills = self._subscribers("fill")
        for fill in changes.fills:
            for session, subscription in fills:
                if session.user_id == fill.user_id and subscription.covers(fill.ticker):
                    session.publish(subscription, messages.fill(fill))
        orders = self._subscribers("user_orders")
        if orders:
            for order_id, user_id in changes.orders.items():
                watchers = [(s, sub) for s, sub in orders if s.user_id == user_id]
                if not watchers:
                    continue
                view = engine.get_order(user_id, order_id)
                message = messages.user_order(view)
                for session, subscription in watchers:
                    if subscription.covers(view.ticker):
                        session.publish(subscription, message)
        positions = self._subscribers("market_positions")
        if positions:
            for user_id, ticker in changes.positions:
                watchers = [
                    (s, sub) for s, sub in positions if s.user_id == user_id and sub.covers(ticker)
                ]
                rows = engine.positions(user_id, ticker=ticker) if watchers else []
                for row in rows:
                    message = messages.position(user_id, row)
                    for session, subscription in watchers:
                        session.publish(subscription, message)
        groups = self._subscribers("order_group_updates")
        for group_id, user_id, event_type, at, limit in changes.groups:
            message = messages.order_group(group_id, event_type, at, limit)
            for session, subscription in groups:
                if session.user_id == user_id:
                    session.publish(subscription, message)

    def _diff(self, ticker: str, copy: BookCopy) -> list[tuple[str, int, int]]:
        """(side, own price, change) of every level that moved; updates the copy."""
        book = self.context.engine.get_book(ticker)
        out: list[tuple[str, int, int]] = []
        for side, levels, old in (("yes", book.yes, copy.yes), ("no", book.no, copy.no)):
            new = dict(levels)
            for price, count in new.items():
                change = count - old.get(price, 0)
                if change:
                    out.append((side, price, change))
            for price, count in old.items():
                if price not in new:
                    out.append((side, price, -count))
            if side == "yes":
                copy.yes = new
            else:
                copy.no = new
        return out

    def _ticker_message(self, ticker: str, fields: messages.TickerFields) -> Json:
        return messages.ticker(
            ticker, fields, self._last_size.get(ticker, 0), self.context.now_ms()
        )
