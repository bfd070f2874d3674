"""`kalshi-tui doctor` with no config file (issue 15): it checks what `kalshi-tui` would then
run — the embedded demo exchange, started as the app starts it — not Kalshi's demo host,
so it passes offline and says plainly that it checked the embedded demo.

Real processes (`python -m kalshi_tui doctor`), the XDG homes in the test's tmp directory.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from kalshi_tui.journal import Journal, journal_path
from kalshi_tui.services.launch import STATE_FILE, URL_FILE, demo_dir, demo_session

TIMEOUT = 120


def doctor(*args: str) -> subprocess.CompletedProcess[str]:
    # A proxy that refuses everything: were doctor to try any host off loopback through
    # httpx, it could not reach it.
    env = {**os.environ, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    return subprocess.run(
        [sys.executable, "-m", "kalshi_tui", "doctor", *args],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=TIMEOUT,
    )


def lines(out: str) -> dict[str, str]:
    from kalshi_tui.doctor import CHECK_NAMES

    found = {}
    for line in out.splitlines():
        for name in CHECK_NAMES:
            if line[2:].startswith(name + " "):
                found[name] = line
    return found


def test_no_config_checks_the_embedded_demo_and_passes_offline() -> None:
    result = doctor()
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    assert result.returncode == 0, out + result.stderr
    checks = lines(out)
    assert all(line.startswith("✓") for line in checks.values()), out
    assert len(checks) == 8  # journal intact included
    assert "no journal yet" in checks["journal intact"]
    assert "embedded demo exchange" in checks["config valid"]
    assert "http://127.0.0.1:" in checks["exchange reachable"]
    assert "kalshi.co" not in out
    assert "init --force" not in out
    assert f"demo key {demo_dir() / 'demo-key.pem'}" in checks["key file safe"]
    assert "balance $" in checks["authentication"]
    assert "These checks ran against the embedded demo exchange" in out
    assert "All checks passed." in out


def test_no_config_reports_a_halted_demo_account() -> None:
    directory = demo_dir()
    directory.mkdir(parents=True)
    with Journal.open(journal_path(directory)) as journal:
        journal.set_halt("manual", "stopped for the test")
    result = doctor()
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    checks = lines(out)
    assert checks["authentication"].startswith("✓"), out
    assert checks["account not halted"].startswith("✗")
    assert "stopped for the test" in checks["account not halted"]
    assert 'kalshi-tui resume --reason "..."' in out


def test_no_config_with_an_unusable_demo_directory_says_so() -> None:
    blocker = Path(os.environ["XDG_DATA_HOME"]) / "kalshi-tui"
    blocker.write_text("in the way\n")
    result = doctor()
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    assert result.returncode == 1, out + result.stderr
    checks = lines(out)
    assert checks["key file safe"].startswith("✗")
    assert f"{blocker} is a file" in checks["key file safe"]
    assert "set $XDG_DATA_HOME" in out


async def test_doctor_beside_a_running_demo_leaves_its_url_and_state_alone() -> None:
    session = demo_session(markets=20)
    runner = asyncio.create_task(session.run())
    try:
        url_file = demo_dir() / URL_FILE
        published = url_file.read_text()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "kalshi_tui",
            "doctor",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
        assert process.returncode == 0, out.decode() + err.decode()
        assert url_file.read_text() == published, "doctor replaced the session's URL"
        assert not (demo_dir() / STATE_FILE).exists(), "doctor saved exchange state"
        assert session.exchange is not None
        assert published.strip() == session.exchange.base_url
    finally:
        runner.cancel()
        await session.close()


HOLDER = """
import asyncio, sys, uuid
from decimal import Decimal
from kalshi_tui import api
from kalshi_tui.services.launch import demo_session

async def main() -> None:
    session = demo_session(markets=20)
    runner = asyncio.create_task(session.run())
    client = session.client
    ticker = (await client.get_markets(status="open", limit=1)).markets[0].ticker
    # A resting buy holds cash: the live balance is no longer the saved state's.
    await client.create_order(api.OrderRequest(
        ticker=ticker, side="yes", action="buy", count=Decimal(50), price=Decimal("0.02"),
        client_order_id=str(uuid.uuid4())))
    balance = await client.get_balance()
    print(client.base_url, balance.balance, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    runner.cancel()
    await session.close()

asyncio.run(main())
"""


def test_doctor_checks_the_exchange_of_a_running_demo_app_process(tmp_path: Path) -> None:
    """A demo app in another process (it holds the app lock, published its exchange's
    URL and changed its balance): doctor checks that exchange, names it, and reports its
    live balance, not a private copy from the saved state on another port (issue 15)."""
    errors = tmp_path / "holder.err"
    with (
        errors.open("w") as stderr,
        subprocess.Popen(
            [sys.executable, "-c", HOLDER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        ) as holder,
    ):
        assert holder.stdin is not None
        assert holder.stdout is not None
        try:
            first = holder.stdout.readline()  # blocks until the session is up (or exits)
            assert first, errors.read_text()
            url, cash = first.split()
            result = doctor()
            out = result.stdout
            assert result.returncode == 0, out + result.stderr
            checks = lines(out)
            assert f"a demo app is running (PID {holder.pid})" in checks["config valid"]
            assert url in checks["config valid"]
            assert url in checks["exchange reachable"], out
            assert f"balance ${Decimal(cash):,.2f}" in checks["authentication"], out
            assert (demo_dir() / URL_FILE).read_text().strip() == url
        finally:
            holder.stdin.close()
            holder.wait(timeout=TIMEOUT)
    # With the app gone, doctor again starts its private copy.
    after = doctor()
    assert after.returncode == 0, after.stdout + after.stderr
    assert "no demo app is running" in lines(after.stdout)["config valid"]
