"""Every message the stream sends, as Kalshi's AsyncAPI (`asyncapi.yaml`, 2026) requires it.

Kept by hand from the AsyncAPI's schemas (no test reads the docs at run time): for each
message `type`, the top-level fields required, the `msg` fields required and the optional
`msg` fields the simulator may send. `check` also enforces the number formats: `*_dollars`
and `price_dollars` `$` strings, `*_fp` fixed-point counts, `ts_ms`/`*_ts_ms` integers.
"""

from __future__ import annotations

import re
from typing import Any

Json = dict[str, Any]

TOP: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # type: (required top-level fields, allowed top-level fields)
    "subscribed": (frozenset({"type", "msg"}), frozenset({"id", "type", "msg"})),
    "unsubscribed": (frozenset({"sid", "seq", "type"}), frozenset({"id", "sid", "seq", "type"})),
    "ok": (frozenset({"type"}), frozenset({"id", "sid", "seq", "type", "msg"})),
    "error": (frozenset({"type", "msg"}), frozenset({"id", "sid", "type", "msg"})),
    "orderbook_snapshot": (
        frozenset({"type", "sid", "seq", "msg"}),
        frozenset({"type", "sid", "seq", "msg"}),
    ),
    "orderbook_delta": (
        frozenset({"type", "sid", "seq", "msg"}),
        frozenset({"type", "sid", "seq", "msg"}),
    ),
    "ticker": (frozenset({"type", "sid", "msg"}), frozenset({"type", "sid", "msg"})),
    "trade": (frozenset({"type", "sid", "msg"}), frozenset({"type", "sid", "msg"})),
    "fill": (frozenset({"type", "sid", "msg"}), frozenset({"type", "sid", "msg"})),
    "market_position": (frozenset({"type", "sid", "msg"}), frozenset({"type", "sid", "msg"})),
    "user_order": (frozenset({"type", "sid", "msg"}), frozenset({"type", "sid", "msg"})),
    "market_lifecycle_v2": (frozenset({"type", "sid", "msg"}), frozenset({"type", "sid", "msg"})),
    "event_lifecycle": (frozenset({"type", "sid", "msg"}), frozenset({"type", "sid", "msg"})),
    "order_group_updates": (
        frozenset({"type", "sid", "seq", "msg"}),
        frozenset({"type", "sid", "seq", "msg"}),
    ),
}
"""`error` may carry `sid`: the simulator names the subscription a code 25 ended."""

MSG: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # type: (required msg fields, optional msg fields)
    "subscribed": (frozenset({"channel", "sid"}), frozenset()),
    "error": (frozenset({"code", "msg"}), frozenset({"market_id", "market_ticker"})),
    "orderbook_snapshot": (
        frozenset({"market_ticker", "market_id"}),
        frozenset({"yes_dollars_fp", "no_dollars_fp"}),
    ),
    "orderbook_delta": (
        frozenset({"market_ticker", "market_id", "price_dollars", "delta_fp", "side"}),
        frozenset({"client_order_id", "subaccount", "ts", "ts_ms"}),
    ),
    "ticker": (
        frozenset(
            {
                "market_ticker",
                "market_id",
                "price_dollars",
                "yes_bid_dollars",
                "yes_ask_dollars",
                "yes_bid_size_fp",
                "yes_ask_size_fp",
                "last_trade_size_fp",
                "volume_fp",
                "open_interest_fp",
                "dollar_volume",
                "dollar_open_interest",
                "ts",
                "ts_ms",
                "time",
            }
        ),
        frozenset(),
    ),
    "trade": (
        frozenset(
            {
                "trade_id",
                "market_ticker",
                "yes_price_dollars",
                "no_price_dollars",
                "count_fp",
                "taker_side",
                "taker_outcome_side",
                "taker_book_side",
                "is_block_trade",
                "ts",
                "ts_ms",
            }
        ),
        frozenset(),
    ),
    "fill": (
        frozenset(
            {
                "trade_id",
                "order_id",
                "market_ticker",
                "exchange_index",
                "is_taker",
                "side",
                "yes_price_dollars",
                "count_fp",
                "fee_cost",
                "action",
                "outcome_side",
                "book_side",
                "ts",
                "ts_ms",
                "post_position_fp",
                "purchased_side",
            }
        ),
        frozenset({"client_order_id", "subaccount"}),
    ),
    "market_position": (
        frozenset(
            {
                "user_id",
                "market_ticker",
                "position_fp",
                "position_cost_dollars",
                "realized_pnl_dollars",
                "fees_paid_dollars",
                "position_fee_cost_dollars",
                "volume_fp",
            }
        ),
        frozenset({"subaccount"}),
    ),
    "user_order": (
        frozenset(
            {
                "order_id",
                "user_id",
                "ticker",
                "status",
                "side",
                "is_yes",
                "outcome_side",
                "book_side",
                "yes_price_dollars",
                "fill_count_fp",
                "remaining_count_fp",
                "initial_count_fp",
                "taker_fill_cost_dollars",
                "maker_fill_cost_dollars",
                "taker_fees_dollars",
                "maker_fees_dollars",
                "client_order_id",
                "created_time",
                "created_ts_ms",
            }
        ),
        frozenset(
            {
                "order_group_id",
                "self_trade_prevention_type",
                "last_update_time",
                "last_updated_ts_ms",
                "expiration_time",
                "expiration_ts_ms",
                "subaccount_number",
            }
        ),
    ),
    "market_lifecycle_v2": (
        frozenset({"event_type", "market_ticker"}),
        frozenset(
            {
                "exchange_index",
                "open_ts",
                "close_ts",
                "result",
                "determination_ts",
                "settlement_value",
                "settled_ts",
                "is_deactivated",
                "price_level_structure",
                "price_ranges",
                "strike_type",
                "floor_strike",
                "cap_strike",
                "custom_strike",
                "yes_sub_title",
                "additional_metadata",
            }
        ),
    ),
    "event_lifecycle": (
        frozenset(
            {
                "event_ticker",
                "exchange_index",
                "title",
                "subtitle",
                "collateral_return_type",
                "series_ticker",
            }
        ),
        frozenset({"strike_date", "strike_period"}),
    ),
    "order_group_updates": (
        frozenset({"event_type", "order_group_id", "ts_ms"}),
        frozenset({"contracts_limit_fp"}),
    ),
}

ENUMS: dict[tuple[str, str], frozenset[object]] = {
    ("orderbook_delta", "side"): frozenset({"yes", "no"}),
    ("trade", "taker_side"): frozenset({"yes", "no"}),
    ("trade", "taker_outcome_side"): frozenset({"yes", "no"}),
    ("trade", "taker_book_side"): frozenset({"bid", "ask"}),
    ("fill", "side"): frozenset({"yes", "no"}),
    ("fill", "outcome_side"): frozenset({"yes", "no"}),
    ("fill", "purchased_side"): frozenset({"yes", "no"}),
    ("fill", "book_side"): frozenset({"bid", "ask"}),
    ("fill", "action"): frozenset({"buy", "sell"}),
    ("user_order", "status"): frozenset({"resting", "canceled", "executed"}),
    ("user_order", "side"): frozenset({"yes", "no"}),
    ("user_order", "outcome_side"): frozenset({"yes", "no"}),
    ("user_order", "book_side"): frozenset({"bid", "ask"}),
    ("user_order", "self_trade_prevention_type"): frozenset({"taker_at_cross", "maker"}),
    ("market_lifecycle_v2", "event_type"): frozenset(
        {
            "created",
            "deactivated",
            "activated",
            "close_date_updated",
            "determined",
            "settled",
            "price_level_structure_updated",
            "metadata_updated",
        }
    ),
    ("order_group_updates", "event_type"): frozenset(
        {"created", "triggered", "reset", "deleted", "limit_updated"}
    ),
}

PRICE = re.compile(r"^\d\.\d{4}$")
MONEY = re.compile(r"^-?\d+\.\d{4}(\d{2})?$")
COUNT = re.compile(r"^-?\d+\.\d{2}$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TICKER = re.compile(r"^[A-Z0-9.-]+$")
"""The AsyncAPI's ticker pattern is `^[A-Z0-9-]+$`; real tickers carry dots
(`FED-23DEC-T3.00`, its own example), so a dot is allowed."""

INTS = frozenset(
    {
        "ts_ms",
        "created_ts_ms",
        "last_updated_ts_ms",
        "expiration_ts_ms",
        "dollar_volume",
        "dollar_open_interest",
        "exchange_index",
        "code",
        "subaccount_number",
        "close_ts",
        "determination_ts",
        "settled_ts",
        "open_ts",
        "strike_date",
    }
)


_PRICES = frozenset(
    {
        "price_dollars",
        "yes_price_dollars",
        "no_price_dollars",
        "yes_bid_dollars",
        "yes_ask_dollars",
        "settlement_value",
    }
)


def _levels_ok(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(level, list)
        and len(level) == 2
        and bool(PRICE.match(level[0]))
        and bool(COUNT.match(level[1]))
        for level in value
    )


def _format_problem(kind: str, name: str, value: object) -> str | None:
    """What is wrong with the format of one field, or None."""
    where = f"{kind}.{name}"
    if name in INTS or (name == "ts" and kind in ("ticker", "trade", "fill")):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else f"{where} must be an integer, got {value!r}"
    pattern: re.Pattern[str] | None = None
    if name == "ts" or name.endswith("_time") or name == "time":
        pattern = RFC3339
    elif name in _PRICES:
        pattern = PRICE
    elif name.endswith("_dollars") or name == "fee_cost":
        pattern = MONEY
    elif name.endswith("_dollars_fp"):
        return None if _levels_ok(value) else f"{where} must be [[price, count_fp], ...]"
    elif name.endswith("_fp"):
        pattern = COUNT
    elif name in ("market_id", "trade_id", "order_id"):
        pattern = UUID
    elif name in ("market_ticker", "ticker"):
        pattern = TICKER
    if pattern is None or (isinstance(value, str) and pattern.match(value)):
        return None
    return f"{where} = {value!r} does not match {pattern.pattern}"


def _format_problems(kind: str, msg: Json) -> list[str]:
    problems: list[str] = []
    for name, value in msg.items():
        problem = _format_problem(kind, name, value)
        if problem is not None:
            problems.append(problem)
        enum = ENUMS.get((kind, name))
        if enum is not None and value not in enum:
            problems.append(f"{kind}.{name} = {value!r} is not one of {sorted(map(str, enum))}")
    return problems


def check(message: Json) -> list[str]:
    """Every way ``message`` departs from the AsyncAPI (empty: it conforms)."""
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in TOP:
        return [f"unknown message type {kind!r}"]
    required, allowed = TOP[kind]
    problems = [f"{kind} lacks {name}" for name in sorted(required - set(message))]
    problems += [f"{kind} has unexpected {name}" for name in sorted(set(message) - allowed)]
    for name in ("sid", "seq"):
        if name in message and (not isinstance(message[name], int) or message[name] < 1):
            problems.append(f"{kind}.{name} must be an integer >= 1, got {message[name]!r}")
    if "id" in message and (not isinstance(message["id"], int) or message["id"] < 0):
        problems.append(f"{kind}.id must be an integer >= 0")
    msg = message.get("msg")
    if kind == "ok":
        if isinstance(msg, list):  # list_subscriptions
            if "id" not in message:
                problems.append("list_subscriptions reply lacks id")
            for item in msg:
                if not isinstance(item, dict) or set(item) != {"channel", "sid"}:
                    problems.append(f"list_subscriptions item {item!r} is not {{channel, sid}}")
        elif msg is not None and (
            not isinstance(msg, dict) or set(msg) - {"market_tickers", "market_ids"}
        ):
            problems.append(f"ok.msg {msg!r} carries more than market_tickers/market_ids")
        return problems
    if kind == "unsubscribed":
        return problems
    if not isinstance(msg, dict):
        return [*problems, f"{kind}.msg must be an object"]
    required_msg, optional_msg = MSG[kind]
    problems += [f"{kind}.msg lacks {name}" for name in sorted(required_msg - set(msg))]
    problems += [
        f"{kind}.msg has undocumented {name}"
        for name in sorted(set(msg) - required_msg - optional_msg)
    ]
    if kind == "error":
        code = msg.get("code")
        if not isinstance(code, int) or not 1 <= code <= 28:
            problems.append(f"error code {code!r} is not one of Kalshi's 1-28")
        return problems
    return problems + _format_problems(kind, msg)
