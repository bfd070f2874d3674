"""Order request bodies (V1 and V2) → the engine's `OrderInput`, with Kalshi's 400s.

V1 (`POST /portfolio/orders`) speaks `side` (yes|no) × `action` (buy|sell), integer counts and
exactly one of four price fields. V2 (`POST /portfolio/events/orders`) speaks `side` (bid|ask),
an `_fp` count and the YES price as a `$` string. Both become a YES-priced `OrderInput`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kalshi_tui.exchange.engine import MONEY_SCALE, PRICE_SCALE, OrderInput
from kalshi_tui.exchange.http.errors import ApiError, missing_parameters
from kalshi_tui.exchange.http.params import decimal_field, int_field
from kalshi_tui.exchange.http.units import (
    parse_count_fp,
    parse_price_cents,
    parse_price_dollars,
)

_TIME_IN_FORCE = ("good_till_canceled", "immediate_or_cancel", "fill_or_kill")
_STP = ("taker_at_cross", "maker")
_PRICE_FIELDS = ("yes_price", "no_price", "yes_price_dollars", "no_price_dollars")


def invalid_order(message: str, details: str | None = None) -> ApiError:
    """400 invalid_order: malformed order body, bad enum, conflicting fields."""
    return ApiError(400, "invalid_order", message, details)


def _required(body: Mapping[str, Any], name: str) -> Any:
    value = body.get(name)
    if value is None or value == "":
        raise missing_parameters(name)
    return value


def _string(body: Mapping[str, Any], name: str, required: bool = False) -> str | None:
    value = _required(body, name) if required else body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_order(f"{name} must be a string", repr(value))
    return value


def _choice(body: Mapping[str, Any], name: str, choices: tuple[str, ...], default: str) -> str:
    value = body.get(name)
    if value is None:
        return default
    if value not in choices:
        raise invalid_order(f"{name} must be one of {', '.join(choices)}", str(value))
    return str(value)


def _flag(body: Mapping[str, Any], name: str) -> bool:
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid_order(f"{name} must be a boolean", repr(value))
    return value


def _v1_count(body: Mapping[str, Any]) -> int:
    count = body.get("count")
    count_fp = body.get("count_fp")
    if count is None and count_fp is None:
        raise missing_parameters("count")
    units: int | None = None
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise invalid_order("count must be an integer of at least 1", repr(count))
        units = count * 100
    if count_fp is not None:
        fp_units = parse_count_fp(decimal_field(count_fp, "count_fp"), "count_fp")
        if units is not None and fp_units != units:
            raise invalid_order("count and count_fp disagree", f"{count} != {count_fp}")
        units = fp_units
    assert units is not None
    return units


def yes_price_v1(body: Mapping[str, Any]) -> int:
    """Exactly one of yes_price / no_price (cents) / yes_price_dollars / no_price_dollars,
    as a YES price in engine units (a NO price q is the YES price 1 − q)."""
    given = [name for name in _PRICE_FIELDS if body.get(name) is not None]
    if len(given) != 1:
        raise invalid_order(
            "invalid order",
            "exactly one of yes_price, no_price, yes_price_dollars, or no_price_dollars "
            "should be provided",
        )
    name = given[0]
    value = body[name]
    if name.endswith("_dollars"):
        price = parse_price_dollars(decimal_field(value, name))
    else:
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_order(f"{name} must be an integer number of cents", repr(value))
        price = parse_price_cents(value)
    return price if name.startswith("yes") else PRICE_SCALE - price


def _expiration(body: Mapping[str, Any], name: str, time_in_force: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    seconds = int_field(value, name)
    if time_in_force != "good_till_canceled":
        raise invalid_order(f"{name} is only allowed with good_till_canceled", str(seconds))
    return seconds * 1000


def parse_v1(body: Mapping[str, Any]) -> OrderInput:
    """A V1 CreateOrderRequest."""
    ticker = _string(body, "ticker", required=True)
    assert ticker is not None
    _required(body, "side")
    _required(body, "action")
    side = _choice(body, "side", ("yes", "no"), "yes")
    action = _choice(body, "action", ("buy", "sell"), "buy")
    count = _v1_count(body)
    price = yes_price_v1(body)
    order_type = _choice(body, "type", ("limit", "market"), "limit")
    time_in_force = _choice(body, "time_in_force", _TIME_IN_FORCE, "good_till_canceled")
    floor = body.get("sell_position_floor")
    if floor is not None and floor != 0:
        raise invalid_order("sell_position_floor only accepts 0", repr(floor))
    buy_max_cost = body.get("buy_max_cost")
    max_cost: int | None = None
    if buy_max_cost is not None:
        cents = int_field(buy_max_cost, "buy_max_cost")
        if cents < 1:
            raise invalid_order("buy_max_cost must be positive", str(cents))
        max_cost = cents * (MONEY_SCALE // 100)
        time_in_force = "fill_or_kill"  # buy_max_cost implies FoK on Kalshi
    return OrderInput(
        ticker=ticker,
        side=side,  # type: ignore[arg-type]  # validated by _choice
        action=action,  # type: ignore[arg-type]
        price=price,
        count=count,
        client_order_id=_string(body, "client_order_id"),
        time_in_force=time_in_force,  # type: ignore[arg-type]
        expiration_ms=_expiration(body, "expiration_ts", time_in_force),
        post_only=_flag(body, "post_only"),
        reduce_only=_flag(body, "reduce_only"),
        self_trade_prevention_type=_choice(  # type: ignore[arg-type]
            body, "self_trade_prevention_type", _STP, "taker_at_cross"
        ),
        order_group_id=_string(body, "order_group_id"),
        cancel_order_on_pause=_flag(body, "cancel_order_on_pause"),
        buy_max_cost=max_cost,
        type=order_type,  # type: ignore[arg-type]
        exchange_index=exchange_index(body),
    )


def count_v2(body: Mapping[str, Any], name: str = "count") -> int:
    """An `_fp` count (string; numbers tolerated) in engine units."""
    return parse_count_fp(decimal_field(_required(body, name), name), name)


def price_v2(body: Mapping[str, Any], name: str = "price") -> int:
    """The V2 YES price (`$` string) in engine units."""
    return parse_price_dollars(decimal_field(_required(body, name), name))


def book_side(body: Mapping[str, Any]) -> str:
    """V2 `side`: bid (buy YES) or ask (sell YES)."""
    _required(body, "side")
    return _choice(body, "side", ("bid", "ask"), "bid")


def _subaccount(body: Mapping[str, Any]) -> None:
    value = body.get("subaccount")
    if value not in (None, 0):
        raise invalid_order("the simulator has no subaccounts; use 0", repr(value))


def exchange_index(body: Mapping[str, Any]) -> int | None:
    """The shard an order is addressed to: absent (or -1) routes by its ticker."""
    value = body.get("exchange_index")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_order("exchange_index must be an integer (-1 routes by ticker)", repr(value))
    return value


def parse_v2(body: Mapping[str, Any]) -> OrderInput:
    """A V2 CreateOrderV2Request."""
    ticker = _string(body, "ticker", required=True)
    client_order_id = _string(body, "client_order_id", required=True)
    assert ticker is not None
    side = book_side(body)
    count = count_v2(body)
    price = price_v2(body)
    _required(body, "time_in_force")
    _required(body, "self_trade_prevention_type")
    time_in_force = _choice(body, "time_in_force", _TIME_IN_FORCE, "good_till_canceled")
    _subaccount(body)
    return OrderInput.from_book_side(
        ticker,
        side,  # type: ignore[arg-type]  # validated by _choice
        price,
        count,
        client_order_id=client_order_id,
        time_in_force=time_in_force,
        expiration_ms=_expiration(body, "expiration_time", time_in_force),
        post_only=_flag(body, "post_only"),
        reduce_only=_flag(body, "reduce_only"),
        self_trade_prevention_type=_choice(body, "self_trade_prevention_type", _STP, ""),
        order_group_id=_string(body, "order_group_id"),
        cancel_order_on_pause=_flag(body, "cancel_order_on_pause"),
        exchange_index=exchange_index(body),
    )


def reduction(body: Mapping[str, Any], fp: bool) -> tuple[int | None, int | None]:
    """Exactly one of reduce_by (≥ 1) / reduce_to (≥ 0), in engine count units.

    V1 sends integers, V2 `_fp` strings; both accept the `_fp`-suffixed names as well.
    """
    found: dict[str, int] = {}
    for name in ("reduce_by", "reduce_to"):
        for key in (name, name + "_fp"):
            value = body.get(key)
            if value is None:
                continue
            if isinstance(value, int) and not isinstance(value, bool) and not fp:
                units = value * 100
            else:
                amount = decimal_field(value, key) * 100
                if amount != amount.to_integral_value():
                    raise invalid_order(f"{key} must be a multiple of 0.01", str(value))
                units = int(amount)
            found[name] = units
    if len(found) != 1:
        raise invalid_order("exactly one of reduce_by or reduce_to should be provided")
    reduce_by = found.get("reduce_by")
    reduce_to = found.get("reduce_to")
    if reduce_by is not None and reduce_by < 1:
        raise invalid_order("reduce_by must be positive", str(reduce_by))
    if reduce_to is not None and reduce_to < 0:
        raise invalid_order("reduce_to must not be negative", str(reduce_to))
    return reduce_by, reduce_to
