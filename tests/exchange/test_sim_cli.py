"""`kalshi-tui sim` end to end: a real subprocess serving on loopback, its config accepted by
`kalshi-tui doctor`, clean exits on SIGINT and SIGTERM, and clear errors for bad options."""

from __future__ import annotations

import queue
import signal
import stat
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kalshi_tui import api, cli
from kalshi_tui.exchange.cli import main as sim_main
from kalshi_tui.exchange.server import start_exchange

STARTUP_TIMEOUT_S = 30.0


class SimProcess:
    """`python -m kalshi_tui sim …` with its stdout read line by line (by a reader thread, so
    lines already buffered are never missed)."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kalshi_tui", "sim", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._stderr: str | None = None
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, needle: str) -> str:
        """The first stdout line containing `needle` (failing if the process dies first)."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            if needle in line:
                return line
        raise AssertionError(f"no {needle!r} in {self.lines}; stderr: {self.stderr()}")

    def stderr(self) -> str:
        """Everything the process wrote to stderr, once it has exited."""
        if self.process.poll() is None:
            return "(still running)"
        if self._stderr is None:
            assert self.process.stderr is not None
            self._stderr = self.process.stderr.read()
        return self._stderr

    def stop(self, signum: int) -> tuple[int, str, str]:
        """Send `signum`; the exit status and the rest of stdout and stderr."""
        self.process.send_signal(signum)
        status = self.process.wait(timeout=20)
        self._reader.join(timeout=5)
        rest = []
        while not self._queue.empty():
            line = self._queue.get()
            if line is not None:
                rest.append(line)
        return status, "".join(rest), self.stderr()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def processes() -> Iterator[list[SimProcess]]:
    started: list[SimProcess] = []
    yield started
    for process in started:
        process.kill()


def _base_url(serving_line: str) -> str:
    url = serving_line.split("serving ", 1)[1].split()[0]
    assert url.startswith("http://127.0.0.1:")
    assert url.endswith("/trade-api/v2")
    return url


def _clock_free(markets: list[dict[str, str]]) -> dict[str, str]:
    """Ticker → last price of the markets whose tickers do not depend on the start time."""
    return {
        m["ticker"]: m["last_price_dollars"]
        for m in markets
        if not m["ticker"].startswith(("KXBTC", "KXETH"))
    }


def test_serves_writes_a_config_doctor_accepts_and_stops_on_sigint(
    tmp_path: Path, processes: list[SimProcess], capsys: pytest.CaptureFixture[str]
) -> None:
    config_path = tmp_path / "conf" / "sim.toml"
    sim = SimProcess(
        "--host", "127.0.0.1", "--port", "0", "--seed", "5", "--markets", "40",
        "--write-config", str(config_path), "--profile", "current",
        "--faults", "write_error=1,error_status=502", "--balance", "250",
        "--shard-balance", "2=50",
    )  # fmt: skip
    processes.append(sim)
    wrote = sim.wait_for("wrote ")
    url = _base_url(sim.wait_for("serving "))
    assert str(config_path) in wrote

    config = tomllib.loads(config_path.read_text())["exchange"]
    assert config["base_url"] == url
    assert config["order_api"] == "v2"
    key_path = Path(config["private_key_path"])
    assert key_path.is_absolute()
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600

    assert cli.main(["doctor", "--config", str(config_path)]) == 0
    doctor_out = capsys.readouterr().out
    assert "balance $250.00" in doctor_out

    # Any other client can use the written credentials too.
    auth = api.KalshiAuth(config["key_id"], api.load_private_key(key_path))
    with httpx.Client(base_url=url, auth=auth) as client:
        balance = client.get("/portfolio/balance").json()
        assert balance["balance_dollars"] == "250.0000"
        assert balance["balance_breakdown"] == [  # --shard-balance 2=50: $50 on the crypto shard
            {"exchange_index": 0, "balance": "200.0000"},
            {"exchange_index": 2, "balance": "50.0000"},
        ]
        markets = client.get("/markets", params={"limit": 1000}).json()["markets"]
        order = {
            "ticker": markets[0]["ticker"],
            "client_order_id": "cli-1",
            "side": "bid",
            "count": "1",
            "price": "0.1000",
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross",
        }
        assert client.post("/portfolio/events/orders", json=order).status_code == 502  # --faults
        assert "yes_bid" not in markets[0]  # --profile current: no legacy integers
    # --seed and --markets: the catalogue of an in-process exchange with those options. Short
    # crypto markets are named after the clock, so compare the others' tickers and prices.
    with start_exchange(seed=5, markets=40, agents=False) as same:
        expected = httpx.get(same.base_url + "/markets", params={"limit": 1000}).json()
    assert len(markets) == len(expected["markets"])
    assert len(_clock_free(markets)) >= 10
    assert _clock_free(markets) == _clock_free(expected["markets"])
    with start_exchange(seed=6, markets=40, agents=False) as other:
        reseeded = httpx.get(other.base_url + "/markets", params={"limit": 1000}).json()
    assert _clock_free(reseeded["markets"]) != _clock_free(markets)

    status, out, err = sim.stop(signal.SIGINT)
    assert (status, err) == (0, "")
    assert "stopped" in out
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/exchange/status")


def test_sigterm_saves_state_that_the_next_run_restores(
    tmp_path: Path, processes: list[SimProcess]
) -> None:
    state = tmp_path / "state.json"
    config_path = tmp_path / "sim.toml"
    common = ("--port", "0", "--seed", "8", "--markets", "20", "--profile", "legacy")
    common += ("--rate-tier", "premier")
    first = SimProcess(*common, "--state", str(state), "--write-config", str(config_path))
    processes.append(first)
    url = _base_url(first.wait_for("serving "))
    config = tomllib.loads(config_path.read_text())["exchange"]
    assert (config["order_api"], config["rate_tier"]) == ("v1", "premier")
    auth = api.KalshiAuth(config["key_id"], api.load_private_key(Path(config["private_key_path"])))
    with httpx.Client(base_url=url, auth=auth) as client:
        assert client.get("/account/limits").json()["usage_tier"] == "premier"
        ticker = client.get("/markets", params={"status": "open"}).json()["markets"][0]["ticker"]
        order = {"ticker": ticker, "side": "yes", "action": "buy", "count": 2, "yes_price": 30}
        created = client.post("/portfolio/orders", json=order)
        assert created.status_code == 201, created.text
        order_id = created.json()["order"]["order_id"]
    status, _, err = first.stop(signal.SIGTERM)
    assert (status, err) == (0, "")
    saved = state.read_text()
    assert config["key_id"] in saved
    assert "PRIVATE KEY" not in saved  # only the public half is kept

    # No --write-config this time: the saved state keeps the key, so the old config works.
    second = SimProcess(*common, "--state", str(state))
    processes.append(second)
    url = _base_url(second.wait_for("serving "))
    with httpx.Client(base_url=url, auth=auth) as client:
        orders = client.get("/portfolio/orders", params={"status": "resting"}).json()["orders"]
        assert [o["order_id"] for o in orders] == [order_id]
        assert client.get("/portfolio/balance").json()["balance"] < 1_000_000
    assert second.stop(signal.SIGTERM)[0] == 0


def test_a_bad_fault_spec_fails_fast_in_a_subprocess(processes: list[SimProcess]) -> None:
    sim = SimProcess("--port", "0", "--faults", "write_error=0.2,explode=1")
    processes.append(sim)
    assert sim.process.wait(timeout=30) == 2
    with pytest.raises(AssertionError):
        sim.wait_for("serving")  # it never served
    assert sim.lines == []
    err = sim.stderr()
    assert err.strip() == "kalshi-tui sim: --faults: unknown fault 'explode'"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--faults", "error=2"], "fault rate error=2 is not between 0 and 1"),
        (["--faults", "reset"], "fault 'reset' needs a value (key=value)"),
        (["--faults", "error_status=404"], "error_status must be 500, 502 or 503"),
        (["--port", "70000"], "--port 70000: a TCP port is 0–65535"),
        (["--markets", "0"], "--markets 0: must be between 1 and 50,000"),
        (["--balance", "-5"], "--balance -5: a starting balance cannot be negative"),
        (["--shard-balance", "2"], "--shard-balance 2: give INDEX=DOLLARS, e.g. 2=1000"),
        (["--shard-balance", "9=10"], "--shard-balance 9=10: shard 9 is not one to move"),
        (["--shard-balance", "0=10"], "--shard-balance 0=10: shard 0 is not one to move"),
        (
            ["--balance", "100", "--shard-balance", "2=101"],
            "--shard-balance: 101 dollars on other shards exceed --balance 100",
        ),
    ],
)
def test_bad_options_are_named_without_a_traceback(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sim_main(["--port", "0", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_write_config_to_a_directory_or_unwritable_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sim_main(["--port", "0", "--write-config", str(tmp_path)]) == 2
    assert "is a directory; give a file name" in capsys.readouterr().err
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert sim_main(["--port", "0", "--write-config", str(blocked / "sim.toml")]) == 1
    err = capsys.readouterr().err
    assert f"--write-config {blocked / 'sim.toml'}: cannot write" in err
    assert "Traceback" not in err


def test_argparse_rejects_an_unknown_profile(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        sim_main(["--profile", "future"])
    assert raised.value.code == 2
    assert "invalid choice: 'future'" in capsys.readouterr().err


def test_a_port_in_use_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    with start_exchange(markets=5, agents=False) as busy:
        assert sim_main(["--port", str(busy.port), "--markets", "5"]) == 1
    assert f"cannot listen on 127.0.0.1:{busy.port}" in capsys.readouterr().err


def test_an_ipv6_loopback_host_gives_a_bracketed_base_url() -> None:
    try:
        running = start_exchange(markets=5, agents=False, host="::1")
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    with running:
        assert running.base_url == f"http://[::1]:{running.port}/trade-api/v2"
        assert httpx.get(running.base_url + "/exchange/status").status_code == 200
