"""Commands and their replies: `subscribed` per channel with its sid, `ok`, `unsubscribed`,
`list_subscriptions`, and Kalshi's numeric error code for every malformed command."""

from __future__ import annotations

import pytest
from ws_kit import Connect, Json

from kalshi_tui.exchange.server import RunningExchange


async def test_subscribe_replies_once_per_channel_with_its_sid(
    stream: Connect, ticker: str
) -> None:
    async with stream() as reader:
        await reader.send(
            {
                "id": 1,
                "cmd": "subscribe",
                "params": {"channels": ["ticker", "trade", "fill"], "market_ticker": ticker},
            }
        )
        replies = [await reader.of_type("subscribed") for _ in range(3)]
        await reader.send({"id": 2, "cmd": "list_subscriptions"})
        listing = await reader.until(lambda m: m.get("id") == 2)
    assert [r["msg"]["channel"] for r in replies] == ["ticker", "trade", "fill"]
    assert all(r["id"] == 1 for r in replies)
    sids = [r["msg"]["sid"] for r in replies]
    assert len(set(sids)) == 3
    assert listing == {
        "id": 2,
        "type": "ok",
        "msg": [
            {"channel": "ticker", "sid": sids[0]},
            {"channel": "trade", "sid": sids[1]},
            {"channel": "fill", "sid": sids[2]},
        ],
    }


async def test_unsubscribe_replies_with_sid_and_seq(stream: Connect, ticker: str) -> None:
    async with stream() as reader:
        await reader.send(
            {
                "id": 1,
                "cmd": "subscribe",
                "params": {"channels": ["trade"], "market_ticker": ticker},
            }
        )
        sid = (await reader.of_type("subscribed"))["msg"]["sid"]
        await reader.send({"id": 2, "cmd": "unsubscribe", "params": {"sids": [sid]}})
        gone = await reader.of_type("unsubscribed")
        await reader.send({"id": 3, "cmd": "list_subscriptions"})
        listing = await reader.until(lambda m: m.get("id") == 3)
    assert gone == {"id": 2, "sid": sid, "seq": 1, "type": "unsubscribed"}
    assert listing["msg"] == []


async def test_id_zero_counts_as_no_id(stream: Connect) -> None:
    async with stream() as reader:
        await reader.send({"id": 0, "cmd": "subscribe", "params": {"channels": ["trade"]}})
        reply = await reader.of_type("subscribed")
    assert "id" not in reply


async def test_update_subscription_adds_and_deletes_markets(
    stream: Connect, exchange: RunningExchange
) -> None:
    with exchange.engine() as engine:
        first, second = engine.market_tickers()[:2]
    async with stream() as reader:
        await reader.send(
            {"id": 1, "cmd": "subscribe", "params": {"channels": ["trade"], "market_ticker": first}}
        )
        sid = (await reader.of_type("subscribed"))["msg"]["sid"]
        await reader.send(
            {
                "id": 2,
                "cmd": "update_subscription",
                "params": {"sids": [sid], "market_tickers": [second], "action": "add_markets"},
            }
        )
        added = await reader.of_type("ok")
        await reader.send(
            {
                "id": 3,
                "cmd": "update_subscription",
                "params": {"sid": sid, "market_ticker": first, "action": "delete_markets"},
            }
        )
        deleted = await reader.of_type("ok")
    assert added["id"] == 2
    assert added["sid"] == sid
    assert added["msg"] == {"market_tickers": [first, second]}
    assert deleted["msg"] == {"market_tickers": [second]}
    assert deleted["seq"] == added["seq"] + 1


async def test_skip_ticker_ack_leaves_the_market_list_out(
    stream: Connect, exchange: RunningExchange
) -> None:
    with exchange.engine() as engine:
        first, second = engine.market_tickers()[:2]
    async with stream() as reader:
        await reader.send(
            {
                "id": 1,
                "cmd": "subscribe",
                "params": {"channels": ["ticker"], "market_ticker": first, "skip_ticker_ack": True},
            }
        )
        sid = (await reader.of_type("subscribed"))["msg"]["sid"]
        await reader.send(
            {
                "id": 2,
                "cmd": "update_subscription",
                "params": {"sid": sid, "market_ticker": second, "action": "add_markets"},
            }
        )
        ok = await reader.of_type("ok")
    assert ok == {"id": 2, "sid": sid, "seq": 1, "type": "ok"}


BAD: list[tuple[str, object, int]] = [
    ("not JSON", "{nope", 1),
    ("not an object", "[1, 2]", 1),
    ("id of the wrong type", {"id": "x", "cmd": "list_subscriptions"}, 1),
    ("channels not a list", {"id": 9, "cmd": "subscribe", "params": {"channels": "trade"}}, 1),
    ("no params", {"id": 9, "cmd": "subscribe"}, 2),
    ("no channels", {"id": 9, "cmd": "subscribe", "params": {}}, 3),
    ("empty channels", {"id": 9, "cmd": "subscribe", "params": {"channels": []}}, 3),
    ("no sids", {"id": 9, "cmd": "unsubscribe", "params": {}}, 4),
    ("unknown command", {"id": 9, "cmd": "subscribe_all", "params": {}}, 5),
    ("no command", {"id": 9}, 5),
    ("unknown sid", {"id": 9, "cmd": "unsubscribe", "params": {"sids": [77]}}, 7),
    ("unknown channel", {"id": 9, "cmd": "subscribe", "params": {"channels": ["multivariate"]}}, 8),
    (
        "ticker and tickers",
        {
            "id": 9,
            "cmd": "subscribe",
            "params": {"channels": ["trade"], "market_ticker": "A", "market_tickers": ["B"]},
        },
        11,
    ),
    (
        "market ids on the book",
        {
            "id": 9,
            "cmd": "subscribe",
            "params": {
                "channels": ["orderbook_delta"],
                "market_ids": ["9b0f6b43-5b68-4f9f-9f02-9a2d1b8ac1a1"],
            },
        },
        11,
    ),
    (
        "two sids to update",
        {
            "id": 9,
            "cmd": "update_subscription",
            "params": {"sids": [1, 2], "market_ticker": "A", "action": "add_markets"},
        },
        12,
    ),
    (
        "unknown action",
        {
            "id": 9,
            "cmd": "update_subscription",
            "params": {"sid": 1, "market_ticker": "A", "action": "replace_markets"},
        },
        13,
    ),
    (
        "book without a market",
        {"id": 9, "cmd": "subscribe", "params": {"channels": ["orderbook_delta"]}},
        14,
    ),
    (
        "update without a market",
        {"id": 9, "cmd": "update_subscription", "params": {"sid": 1, "action": "add_markets"}},
        14,
    ),
    (
        "update without an action",
        {"id": 9, "cmd": "update_subscription", "params": {"sid": 1, "market_ticker": "A"}},
        15,
    ),
    (
        "unknown market",
        {"id": 9, "cmd": "subscribe", "params": {"channels": ["trade"], "market_ticker": "NOPE-1"}},
        16,
    ),
]


@pytest.mark.parametrize(("what", "command", "code"), BAD, ids=[b[0] for b in BAD])
async def test_malformed_commands_get_kalshis_codes(
    stream: Connect, what: str, command: object, code: int
) -> None:
    async with stream() as reader:
        if isinstance(command, str):
            await reader.ws.send(command)
        else:
            await reader.send(command)  # type: ignore[arg-type]
        reply = await reader.of_type("error")
    assert reply["msg"]["code"] == code, (what, reply)
    assert reply["msg"]["msg"]
    if isinstance(command, dict) and isinstance(command.get("id"), int):
        assert reply["id"] == command["id"]
    if code == 16:
        assert reply["msg"]["market_ticker"] == "NOPE-1"


async def test_already_subscribed_and_unsupported_actions(stream: Connect, ticker: str) -> None:
    async with stream() as reader:
        await reader.send({"id": 1, "cmd": "subscribe", "params": {"channels": ["trade"]}})
        sid = (await reader.of_type("subscribed"))["msg"]["sid"]
        await reader.send({"id": 2, "cmd": "subscribe", "params": {"channels": ["trade"]}})
        again = await reader.of_type("error")
        await reader.send(
            {
                "id": 3,
                "cmd": "update_subscription",
                "params": {"sid": sid, "market_ticker": ticker, "action": "get_snapshot"},
            }
        )
        no_snapshot = await reader.of_type("error")
        await reader.send(
            {"id": 4, "cmd": "subscribe", "params": {"channels": ["market_lifecycle_v2"]}}
        )
        lifecycle_sid = (await reader.of_type("subscribed"))["msg"]["sid"]
        await reader.send(
            {
                "id": 5,
                "cmd": "update_subscription",
                "params": {"sid": lifecycle_sid, "market_ticker": ticker, "action": "add_markets"},
            }
        )
        no_markets = await reader.of_type("error")
    codes: list[Json] = [again, no_snapshot, no_markets]
    assert [(m["id"], m["msg"]["code"]) for m in codes] == [(2, 6), (3, 13), (5, 13)]
