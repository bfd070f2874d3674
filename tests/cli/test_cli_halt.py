"""`kalshi-tui halt` / `resume` and doctor's halt line, against the embedded exchange."""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_tui import api, cli, doctor
from kalshi_tui.config import load_settings
from kalshi_tui.domain.store import TradingMode
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig
from kalshi_tui.exchange.server import RunningExchange, start_exchange
from kalshi_tui.journal import Journal, journal_path
from kalshi_tui.services.launch import configured_session, demo_dir, demo_session, running_demo_url

KEY_ID = "halt-cli-key"


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
        'rate_tier = "premier"\n'
        "[storage]\n"
        f'data_dir = "{tmp_path / "data"}"\n'
    )
    return path


async def place_resting(
    url: str, key: rsa.RSAPrivateKey, count: int, *, journal_dir: Path | None = None
) -> None:
    """`count` resting orders on one market. With `journal_dir`, each is first journaled as
    that terminal's own intent (write-ahead, then sent), as the app places an order, so
    the terminal's reconciliation knows them; without, they are foreign to it."""
    async with api.KalshiClient(
        url, api.KalshiAuth(KEY_ID, key), rate_limits=api.RateLimits.unlimited()
    ) as client:
        ticker = (await client.get_markets(status="open", limit=1)).markets[0].ticker
        for i in range(count):
            price = Decimal("0.01") * (1 + i % 4)
            client_order_id = str(uuid.uuid4())
            if journal_dir is not None:
                with Journal.open(journal_path(journal_dir)) as journal:
                    journal.record_intent(
                        client_order_id,
                        ticker=ticker,
                        side="yes",
                        action="buy",
                        price=price,
                        count=Decimal(1),
                    )
                    journal.mark_sent(client_order_id)
            await client.create_order(
                api.OrderRequest(
                    ticker=ticker,
                    side="yes",
                    action="buy",
                    count=Decimal(1),
                    price=price,
                    client_order_id=client_order_id,
                )
            )


async def test_halt_subprocess_while_a_session_runs(
    config: Path, exchange: RunningExchange, key: rsa.RSAPrivateKey
) -> None:
    # The trader's own 25 resting orders, journaled as this terminal's (orders it never
    # placed would be flagged by its start-up reconciliation, which halts on its own).
    await place_resting(exchange.base_url, key, 25, journal_dir=tmp_data(config))
    session = configured_session(load_settings(config))
    runner = asyncio.create_task(session.run())
    try:
        deadline = time.monotonic() + 60
        while not session.store.snapshot.trading_ready:
            assert time.monotonic() < deadline, "the session never became ready"
            await asyncio.sleep(0.05)
        assert not session.store.snapshot.reconciliation.blocking
        assert session.store.snapshot.trading.mode is TradingMode.ACTIVE
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "kalshi_tui",
            "halt",
            "--config",
            str(config),
            "--reason",
            "stop everything",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        first = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        persisted_at = time.monotonic()
        assert first.startswith("halt persisted in ")
        while session.store.snapshot.trading.mode is not TradingMode.HALTED:
            assert time.monotonic() - persisted_at < 1.0, "the session missed the halt"
            await asyncio.sleep(0.01)
        assert "stop everything" in session.store.snapshot.trading.reason
        rest, errors = await asyncio.wait_for(process.communicate(), 60)
        output = first + rest.decode()
        assert process.returncode == 0, output + errors.decode()
        assert "VERIFIED: zero resting orders" in output
        assert "order(s) in " in output
    finally:
        runner.cancel()
        await session.close()
    with Journal.open(journal_path(tmp_data(config)), create=False) as journal:
        assert journal.halt_state().halted
        assert journal.halt_state().trigger == "remote"


def tmp_data(config: Path) -> Path:
    return config.parent / "data"


def test_halt_counts_cancels_and_restarts_halted_then_resumes(
    config: Path,
    exchange: RunningExchange,
    key: rsa.RSAPrivateKey,
    capsys: pytest.CaptureFixture[str],
) -> None:
    asyncio.run(place_resting(exchange.base_url, key, 12))
    assert cli.main(["halt", "--config", str(config), "--reason", "test"]) == 0
    out = capsys.readouterr().out
    assert "Cancelled 12 order(s)" in out
    settings = load_settings(config)
    lines = {check.name: check for check in doctor.diagnose(str(config))}
    halted = lines["account not halted"]
    assert halted.outcome is doctor.Outcome.FAIL
    assert "remote: test" in halted.detail
    assert "UTC" in halted.detail
    assert halted.fix is not None
    assert "kalshi-tui resume" in halted.fix

    session = configured_session(settings)
    try:
        assert session.store.snapshot.trading.mode is TradingMode.HALTED
    finally:
        asyncio.run(session.close())

    assert cli.main(["resume", "--config", str(config), "--reason", "checked"]) == 0
    assert "resumed" in capsys.readouterr().out
    lines = {check.name: check for check in doctor.diagnose(str(config))}
    assert lines["account not halted"].outcome is doctor.Outcome.PASS


def test_resume_refused_with_an_unknown_intent(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Journal.open(journal_path(tmp_data(config))) as journal:
        journal.set_halt("manual", "pressed")
        journal.record_intent(
            "cid-9", ticker="KX", side="yes", action="buy", price=Decimal("0.5"), count=Decimal(1)
        )
        journal.mark_unknown("cid-9", "timeout")
    assert cli.main(["resume", "--config", str(config), "--reason", "go"]) == 1
    out = capsys.readouterr().out
    assert "resume refused" in out
    assert "cid-9" in out
    with Journal.open(journal_path(tmp_data(config)), create=False) as journal:
        assert journal.halt_state().halted


def test_demo_halt_without_a_running_demo_persists_but_cannot_verify(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["halt", "--reason", "no app running"]) == 1
    out = capsys.readouterr().out
    assert "halt persisted in" in out
    assert "no exchange was reachable" in out.lower()
    assert "NOT VERIFIED" in out
    with Journal.open(journal_path(demo_dir()), create=False) as journal:
        state = journal.halt_state()
    assert state.halted
    assert state.reason == "no app running"
    assert cli.main(["resume", "--reason", "fine"]) == 0


def test_halt_with_an_unreachable_exchange_exits_nonzero(
    tmp_path: Path, config: Path, closed_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    text = config.read_text().replace(
        config.read_text().split('"')[1], f"http://127.0.0.1:{closed_port}/trade-api/v2"
    )
    config.write_text(text)
    status = cli.main(["halt", "--config", str(config), "--timeout", "1.5"])
    out = capsys.readouterr().out
    assert status == 1
    assert "halt persisted" in out
    assert "no exchange was reachable" in out.lower()


def test_bad_timeout_is_a_usage_error(config: Path) -> None:
    assert cli.main(["halt", "--config", str(config), "--timeout", "0"]) == 2


async def test_halt_reaches_a_running_demo_session() -> None:
    session = demo_session(markets=20)
    runner = asyncio.create_task(session.run())
    try:
        url = running_demo_url(demo_dir())
        assert url == session.client.base_url
        ticker = (await session.client.get_markets(status="open", limit=1)).markets[0].ticker
        for i in range(4):
            await session.client.create_order(
                api.OrderRequest(
                    ticker=ticker,
                    side="yes",
                    action="buy",
                    count=Decimal(1),
                    price=Decimal("0.01") * (i + 1),
                    client_order_id=str(uuid.uuid4()),
                )
            )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "kalshi_tui",
            "halt",
            "--reason",
            "demo halt",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, out.decode() + err.decode()
        assert "VERIFIED: zero resting orders" in out.decode()
        deadline = time.monotonic() + 1.0
        while session.store.snapshot.trading.mode is not TradingMode.HALTED:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
    finally:
        runner.cancel()
        await session.close()
    assert running_demo_url(demo_dir()) is None, "the URL file goes with the session"


def test_a_broken_key_still_persists_the_halt(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_path = config.parent / "key.pem"
    key_path.write_text("not a key")
    assert cli.main(["halt", "--config", str(config), "--reason", "bad key"]) == 1
    out = capsys.readouterr().out
    assert "halt persisted" in out
    assert "API key cannot be used" in out
    with Journal.open(journal_path(tmp_data(config)), create=False) as journal:
        assert journal.halt_state().reason == "bad key"


def _limit_file_size() -> None:
    """In the child: writes beyond 2 KiB of any file fail (EFBIG, as a full disk fails
    SQLite's WAL append), while the tiny halt marker still fits."""
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, resource.RLIM_INFINITY))


@pytest.mark.skipif(sys.platform == "win32", reason="needs RLIMIT_FSIZE")
def test_a_halt_the_journal_cannot_record_exits_nonzero_and_the_marker_holds_it(
    config: Path, exchange: RunningExchange, key: rsa.RSAPrivateKey
) -> None:
    import subprocess

    asyncio.run(place_resting(exchange.base_url, key, 3))
    path = journal_path(tmp_data(config))
    # The app has the journal open (its WAL is well past the child's 2 KiB limit).
    with Journal.open(path) as app_journal:
        app_journal.record_event("app_started", {"pid": os.getpid()})
        result = subprocess.run(
            [sys.executable, "-m", "kalshi_tui", "halt", "--config", str(config), "--reason", "x"],
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=_limit_file_size,
            check=False,
        )
        output = result.stdout + result.stderr
        # The orders are off the book, yet the halt is not in the journal: exit 1, plainly.
        assert result.returncode == 1, output
        assert "VERIFIED: zero resting orders" in output
        assert "halt NOT persisted" in output
        assert "NOT DURABLE in the journal" in output
        assert "held only by the halt marker" in output
        assert "Traceback" not in output
        assert not app_journal.halt_state(marker=False).halted
        assert app_journal.halt_state().halted  # the running app's watcher sees it
    # Every start-up honours the marker: the app, doctor, and resume.
    session = configured_session(load_settings(config))
    try:
        assert session.store.snapshot.trading.mode is TradingMode.HALTED
    finally:
        asyncio.run(session.close())
    lines = {check.name: check for check in doctor.diagnose(str(config))}
    assert lines["account not halted"].outcome is doctor.Outcome.FAIL
    assert "halt.marker" in lines["account not halted"].detail
    assert cli.main(["resume", "--config", str(config), "--reason", "disk freed"]) == 0
    assert not path.with_name("halt.marker").exists()
    with Journal.open(path, create=False) as journal:
        assert not journal.halt_state().halted


def test_a_halt_with_a_journal_that_cannot_be_opened_is_marked(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = journal_path(tmp_data(config))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database" * 100)
    assert cli.main(["halt", "--config", str(config), "--reason", "broken journal"]) == 1
    out = capsys.readouterr().out
    assert "NOT PERSISTED in the journal" in out
    assert "held only by the halt marker" in out
    lines = {check.name: check for check in doctor.diagnose(str(config))}
    assert lines["account not halted"].outcome is doctor.Outcome.FAIL
    assert "broken journal" in lines["account not halted"].detail


async def test_halt_stops_cleaning_up_once_the_halt_is_resumed_elsewhere(
    config: Path, exchange: RunningExchange, key: rsa.RSAPrivateKey
) -> None:
    """Found by the soak with other processes (issue 11): a `kalshi-tui halt` still retrying
    its cancels after the halt was resumed (by the app, or `kalshi-tui resume`) kept
    triggering the app's order group, so the resumed app's next orders were all refused
    (`order_group_limit_reached`). It now follows the journal and stops."""
    await place_resting(exchange.base_url, key, 3)
    exchange.faults.configure("write_error=1.0")  # no cancel ever succeeds
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kalshi_tui",
        "halt",
        "--config",
        str(config),
        "--reason",
        "stop",
        "--timeout",
        "600",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        first = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        assert first.startswith("halt persisted in "), first
        with Journal.open(journal_path(tmp_data(config)), create=False) as journal:
            journal.clear_halt("resumed from another terminal")
        rest, errors = await asyncio.wait_for(process.communicate(), 120)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    out = first + rest.decode()
    assert "Traceback" not in errors.decode()
    assert process.returncode == 1, out
    assert "STOPPED: the halt was resumed from elsewhere" in out
