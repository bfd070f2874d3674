"""Parsing the client's commands, with Kalshi's numeric error codes for every malformed one.

Codes (the AsyncAPI's table): 1 not JSON or a field of the wrong type, 2 params missing,
3 channels missing or empty, 4 sids missing, 5 unknown command, 8 unknown channel, 11 a
malformed value (e.g. `market_ticker` with `market_tickers`, market ids on a channel that
takes tickers only), 12 not exactly one sid for `update_subscription`, 13 an action the
subscription does not support, 14 no market where one is required, 15 no action.
Codes that need the session or the catalogue (6, 7, 16) are the hub's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

CHANNELS = frozenset(
    {
        "orderbook_delta",
        "ticker",
        "trade",
        "fill",
        "market_positions",
        "market_lifecycle_v2",
        "multivariate_market_lifecycle",
        "communications",
        "order_group_updates",
        "user_orders",
        "cfbenchmarks_value",
        "pyth_value",
    }
)
"""Every channel of the AsyncAPI. The simulator has no RFQs, multivariate markets or index
feeds, so `communications`, `multivariate_market_lifecycle`, `cfbenchmarks_value` and
`pyth_value` subscribe but stay quiet."""

MARKET_FILTERED = frozenset(
    {"orderbook_delta", "ticker", "trade", "fill", "market_positions", "user_orders"}
)
"""Channels whose subscription a market list narrows (the others ignore one)."""

UPDATABLE = frozenset(
    {"orderbook_delta", "ticker", "trade", "fill", "market_positions", "user_orders"}
)
"""Channels that take `add_markets` / `delete_markets`; `get_snapshot` is the book's only."""

ACTIONS = ("add_markets", "delete_markets", "get_snapshot")


class CommandError(Exception):
    """A command refused with Kalshi's code."""

    def __init__(self, code: int, message: str, market_ticker: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.market_ticker = market_ticker
        self.command_id: int | None = None
        """The refused command's id, when it had a usable one."""


@dataclass(frozen=True)
class Subscribe:
    channels: tuple[str, ...]
    markets: tuple[str, ...] | None
    market_ids: tuple[str, ...] | None
    use_yes_price: bool
    send_initial_snapshot: bool
    skip_ticker_ack: bool = False


@dataclass(frozen=True)
class Unsubscribe:
    sids: tuple[int, ...]


@dataclass(frozen=True)
class Update:
    sid: int
    action: str
    markets: tuple[str, ...]
    market_ids: tuple[str, ...]
    send_initial_snapshot: bool


@dataclass(frozen=True)
class ListSubscriptions:
    pass


Command = Subscribe | Unsubscribe | Update | ListSubscriptions


def command_id(raw: Any) -> int | None:
    """The command's `id` when it is a usable one (0 counts as none, per the docs)."""
    if isinstance(raw, dict):
        value = raw.get("id")
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def parse(text: str | bytes) -> tuple[int | None, Command]:
    """(id, command), or CommandError carrying the command's id when it had one."""
    try:
        raw = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise CommandError(1, "Unable to process message: not valid JSON") from None
    try:
        return _parse(raw)
    except CommandError as error:
        error.command_id = command_id(raw)
        raise


def _parse(raw: Any) -> tuple[int | None, Command]:
    if not isinstance(raw, dict):
        raise CommandError(1, "Unable to process message: a command is a JSON object")
    ident = raw.get("id")
    if ident is not None and (not isinstance(ident, int) or isinstance(ident, bool) or ident < 0):
        raise CommandError(1, "Unable to process message: id must be a non-negative integer")
    cmd = raw.get("cmd")
    if cmd == "list_subscriptions":
        return command_id(raw), ListSubscriptions()
    if cmd not in ("subscribe", "unsubscribe", "update_subscription"):
        raise CommandError(5, f"Unknown command {cmd!r}")
    params = raw.get("params")
    if params is None:
        raise CommandError(2, "Params required")
    if not isinstance(params, dict):
        raise CommandError(1, "Unable to process message: params must be an object")
    if cmd == "subscribe":
        return command_id(raw), _subscribe(params)
    if cmd == "unsubscribe":
        return command_id(raw), _unsubscribe(params)
    return command_id(raw), _update(params)


def _strings(params: dict[str, Any], one: str, many: str) -> tuple[str, ...] | None:
    single = params.get(one)
    multiple = params.get(many)
    if single is not None and multiple is not None:
        raise CommandError(11, f"Invalid parameter: {one} and {many} are mutually exclusive")
    if single is not None:
        if not isinstance(single, str):
            raise CommandError(1, f"Unable to process message: {one} must be a string")
        return (single,)
    if multiple is not None:
        if not isinstance(multiple, list) or not all(isinstance(t, str) for t in multiple):
            raise CommandError(1, f"Unable to process message: {many} must be a list of strings")
        return tuple(dict.fromkeys(multiple))
    return None


def _flag(params: dict[str, Any], name: str) -> bool:
    value = params.get(name, False)
    if not isinstance(value, bool):
        raise CommandError(1, f"Unable to process message: {name} must be true or false")
    return value


def _subscribe(params: dict[str, Any]) -> Subscribe:
    channels = params.get("channels")
    if channels is None or channels == []:
        raise CommandError(3, "Channels required")
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
        raise CommandError(1, "Unable to process message: channels must be a list of strings")
    for channel in channels:
        if channel not in CHANNELS:
            raise CommandError(8, f"Unknown channel name {channel!r}")
    markets = _strings(params, "market_ticker", "market_tickers")
    ids = _strings(params, "market_id", "market_ids")
    if ids is not None and markets is not None:
        raise CommandError(11, "Invalid parameter: market ids and market tickers are exclusive")
    if ids is not None and any(c != "ticker" for c in channels):
        raise CommandError(11, "Invalid parameter: market_id(s) are supported on ticker only")
    if "orderbook_delta" in channels and not markets:
        raise CommandError(14, "Market Ticker required for orderbook_delta")
    return Subscribe(
        tuple(dict.fromkeys(channels)),
        markets,
        ids,
        _flag(params, "use_yes_price"),
        _flag(params, "send_initial_snapshot"),
        _flag(params, "skip_ticker_ack"),
    )


def _unsubscribe(params: dict[str, Any]) -> Unsubscribe:
    sids = params.get("sids")
    if sids is None or sids == []:
        raise CommandError(4, "Subscription IDs required")
    if not isinstance(sids, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) for s in sids
    ):
        raise CommandError(1, "Unable to process message: sids must be a list of integers")
    return Unsubscribe(tuple(sids))


def _update(params: dict[str, Any]) -> Update:
    action = params.get("action")
    if action is None:
        raise CommandError(15, "Action required")
    if action not in ACTIONS:
        raise CommandError(13, f"Unsupported action {action!r}")
    sid = params.get("sid")
    sids = params.get("sids")
    if sids is not None:
        if sid is not None or not isinstance(sids, list) or len(sids) != 1:
            raise CommandError(12, "Exactly one subscription ID is required")
        sid = sids[0]
    if sid is None:
        raise CommandError(12, "Exactly one subscription ID is required")
    if not isinstance(sid, int) or isinstance(sid, bool):
        raise CommandError(1, "Unable to process message: sid must be an integer")
    markets = _strings(params, "market_ticker", "market_tickers") or ()
    ids = _strings(params, "market_id", "market_ids") or ()
    if not markets and not ids:
        raise CommandError(14, "Market Ticker required")
    return Update(sid, action, markets, ids, _flag(params, "send_initial_snapshot"))
