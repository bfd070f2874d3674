"""The stream of `kalshi-tui sim` run as a user runs it: a separate process, its printed
stream URL, the key its `--write-config` made, the `websockets` client, stream faults from
`--faults`."""

from __future__ import annotations

import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from websockets.asyncio.client import connect
from ws_kit import Json, KalshiAuth, Reader, load_private_key, signed_headers


@dataclass
class Sim:
    base_url: str
    stream_url: str
    key_id: str
    key: rsa.RSAPrivateKey


def _serving_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    for line in process.stdout:  # the banner comes within seconds (the fixture kills after)
        if "serving " in line:
            return line
    stderr = process.stderr.read() if process.stderr else ""
    raise AssertionError(f"kalshi-tui sim printed no serving line; stderr: {stderr}")


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    config_path = tmp_path / "sim.toml"
    process = subprocess.Popen(
        [
            sys.executable, "-m", "kalshi_tui", "sim", "--port", "0", "--seed", "3",
            "--markets", "40", "--write-config", str(config_path),
            "--faults", "ws_duplicate_delta=1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        line = _serving_line(process)
        config = tomllib.loads(config_path.read_text())["exchange"]
        key = load_private_key(Path(config["private_key_path"]).read_bytes())
        stream_url = line.split("(stream ", 1)[1].split(",")[0]
        yield Sim(config["base_url"], stream_url, config["key_id"], key)
    finally:
        process.kill()
        process.communicate(timeout=10)


def at_two_cents(message: Json) -> bool:
    """A delta at our order's level (the agents quote nowhere near it)."""
    return bool(
        message["type"] == "orderbook_delta" and message["msg"]["price_dollars"] == "0.0200"
    )


async def test_sim_process_streams_with_its_faults(sim: Sim) -> None:
    assert sim.stream_url.startswith("ws://127.0.0.1:")
    assert sim.stream_url.endswith("/trade-api/ws/v2")
    auth = KalshiAuth(sim.key_id, sim.key)
    async with (
        httpx.AsyncClient(base_url=sim.base_url, auth=auth) as client,
        connect(sim.stream_url, additional_headers=signed_headers(sim.key_id, sim.key)) as ws,
    ):
        markets = (await client.get("/markets", params={"status": "open", "limit": 1})).json()
        ticker = markets["markets"][0]["ticker"]
        reader = Reader(ws)
        await reader.send(
            {
                "id": 1,
                "cmd": "subscribe",
                "params": {"channels": ["orderbook_delta", "user_orders"], "market_ticker": ticker},
            }
        )
        await reader.of_type("orderbook_snapshot")
        body = {
            "ticker": ticker,
            "side": "yes",
            "action": "buy",
            "count": 1,
            "yes_price": 2,  # far below the agents' quotes: it rests
            "client_order_id": f"ws-{time.monotonic_ns()}",
        }
        placed = (await client.post("/portfolio/orders", json=body)).json()["order"]
        mine = await reader.of_type("user_order")
        ours = await reader.until(at_two_cents)
        repeated = await reader.until(at_two_cents)
    assert mine["msg"]["order_id"] == placed["order_id"]
    assert ours["msg"]["delta_fp"] == "1.00"
    assert repeated == ours  # ws_duplicate_delta=1, from the command line
