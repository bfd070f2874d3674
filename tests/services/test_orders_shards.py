"""Orders on another exchange shard and the app's order group (issue 12).

Kalshi's order groups do not work across exchange instances: the app's group is created on
shard 0 and the simulator refuses an order in a shard-2 market that names it. The order
service therefore sends a crypto order without the group, and a shard-0 order with it.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
from trading_rig import make_rig

from kalshi_tui import api
from kalshi_tui.exchange.engine import MONEY_SCALE
from kalshi_tui.journal import IntentState
from kalshi_tui.services import convert


async def test_a_crypto_order_goes_out_without_the_shard_0_group(tmp_path: Path) -> None:
    rig = await make_rig(tmp_path)
    try:
        markets = await rig.client.get_all_markets(status="open", limit=100)
        crypto = next(
            m
            for m in markets
            if m.exchange_index == 2 and all(r.step == Decimal("0.01") for r in m.price_ranges)
        )
        with rig.exchange.engine() as engine:
            engine.deposit(rig.exchange.user_id, 500 * MONEY_SCALE, shard=2)
        group = await rig.client.create_order_group(Decimal(1000))
        # The exchange itself refuses the group on another shard's market.
        refused = api.OrderRequest(
            ticker=crypto.ticker,
            side="yes",
            action="buy",
            count=Decimal(1),
            price=Decimal("0.05"),
            client_order_id="direct",
            order_group_id=group,
        )
        with pytest.raises(api.OrderRejected, match="do not work across shards"):
            await rig.client.create_order(refused)

        rig.open(order_group_id=group)
        rig.store.update(markets=tuple(convert.market_summary(m) for m in markets))
        await rig.t.start()
        crypto_intent = await rig.submit(
            dataclasses.replace(rig.draft("0.05", "1"), ticker=crypto.ticker)
        )
        assert crypto_intent.state == IntentState.ACKED, crypto_intent
        assert crypto_intent.flags["order_group_id"] is None
        assert crypto_intent.order_id is not None
        placed = await rig.client.get_order(crypto_intent.order_id)
        assert (placed.order_group_id, placed.exchange_index) == (None, 2)

        plain = await rig.submit(rig.draft("0.05", "1"))  # rig.ticker: a shard-0 market
        assert plain.order_id is not None
        assert (await rig.client.get_order(plain.order_id)).order_group_id == group
    finally:
        await rig.close()
