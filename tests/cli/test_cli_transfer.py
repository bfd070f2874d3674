"""`kalshi-tui transfer` in a separate process against the embedded exchange (issue 12):
collateral moves between shards, the journal holds the intent before the outcome, and a
refusal or a bad request exits non-zero without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_tui.exchange.engine import MONEY_SCALE
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig
from kalshi_tui.exchange.server import RunningExchange, start_exchange
from kalshi_tui.journal import Journal, journal_path

KEY_ID = "transfer-cli-key"


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def exchange(key: rsa.RSAPrivateKey) -> Iterator[RunningExchange]:
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    running = start_exchange(
        seed=5,
        markets=20,
        agents=False,
        tick_s=3600.0,
        rate_limits=RateLimitConfig(enabled=False),
        keys=[(KEY_ID, public)],
        profile="current",
        balance_dollars=1_000,
    )
    yield running
    running.stop()


@pytest.fixture
def config(tmp_path: Path, key: rsa.RSAPrivateKey, exchange: RunningExchange) -> Path:
    key_path = tmp_path / "key.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    os.chmod(key_path, 0o600)
    path = tmp_path / "config.toml"
    path.write_text(
        "[exchange]\n"
        f'base_url = "{exchange.base_url}"\n'
        f'key_id = "{KEY_ID}"\n'
        f'private_key_path = "{key_path}"\n'
        'order_api = "v2"\n'
        "[storage]\n"
        f'data_dir = "{tmp_path / "data"}"\n'
    )
    return path


def transfer(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kalshi_tui", "transfer", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def shards(exchange: RunningExchange) -> dict[int, int]:
    with exchange.engine() as engine:
        view = engine.balance(exchange.user_id)
    return {row.exchange_index: row.balance // MONEY_SCALE for row in view.breakdown}


def events(config: Path) -> list[tuple[str, dict[str, object]]]:
    with Journal.open(journal_path(config.parent / "data"), create=False) as journal:
        return [
            (event.kind, dict(event.payload))
            for event in journal.events()
            if event.kind in ("transfer_intent", "transfer")
        ]


def test_a_transfer_moves_collateral_and_is_journaled_before_and_after(
    config: Path, exchange: RunningExchange
) -> None:
    done = transfer(config, "--from", "0", "--to", "2", "--amount", "100.00")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "transferred $100.00 from shard 0 to shard 2" in output
    assert "free balance: shard 0 $900.00 · shard 2 $100.00" in output
    assert shards(exchange) == {0: 900, 2: 100}
    (intent_kind, intent), (result_kind, result) = events(config)
    assert (intent_kind, result_kind) == ("transfer_intent", "transfer")
    assert intent == {"source": 0, "destination": 2, "amount": "100.00"}
    assert result["outcome"] == "done"
    assert isinstance(result["transfer_id"], str)
    assert result["intent_seq"] is not None


def test_a_refused_transfer_exits_1_and_journals_the_refusal(
    config: Path, exchange: RunningExchange
) -> None:
    refused = transfer(config, "--from", "0", "--to", "2", "--amount", "5000")
    output = refused.stdout + refused.stderr
    assert refused.returncode == 1, output
    assert "refused by the exchange" in output
    assert "Traceback" not in output
    assert shards(exchange) == {0: 1_000}
    kinds = [(kind, payload.get("outcome")) for kind, payload in events(config)]
    assert kinds == [("transfer_intent", None), ("transfer", "refused")]
    assert events(config)[1][1]["code"] == "available_balance_too_low"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "0", "--to", "0", "--amount", "1"], "from and to are both shard 0"),
        (["--from", "x", "--to", "2", "--amount", "1"], "from shard 'x': give an exchange"),
        (["--from", "0", "--to", "2", "--amount", "-3"], "must be more than $0"),
        (["--from", "0", "--to", "2", "--amount", "1.005"], "whole cents only"),
        (["--from", "0", "--to", "2", "--amount", "lots"], "give dollars, e.g. 100"),
    ],
)
def test_a_bad_request_exits_2_and_sends_nothing(
    config: Path, exchange: RunningExchange, args: list[str], message: str
) -> None:
    bad = transfer(config, *args)
    assert bad.returncode == 2, bad.stdout + bad.stderr
    assert message in bad.stderr
    assert "Traceback" not in bad.stderr
    assert shards(exchange) == {0: 1_000}
    assert not journal_path(config.parent / "data").exists()
