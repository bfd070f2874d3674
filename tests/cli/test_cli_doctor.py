"""`kalshi-tui doctor`: one line per check, the first failure's fix, exit 0 only if all pass."""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from kalshi_tui import cli, doctor
from kalshi_tui.config import Settings

ConfigWriter = Callable[[str], Path]


def run_doctor(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, str], str]:
    """Exit status, {check name: its line}, and the whole output."""
    status = cli.main(["doctor", "--config", str(config)])
    out = capsys.readouterr().out
    lines = {}
    for line in out.splitlines():
        for name in doctor.CHECK_NAMES:
            if line[2:].startswith(name + " "):
                lines[name] = line
    return status, lines, out


def key_config(url: str, key_file: Path, key_id: str = "doctor-key", extra: str = "") -> str:
    return (
        f'[exchange]\nbase_url = "{url}"\nkey_id = "{key_id}"\n'
        f'private_key_path = "{key_file}"\n{extra}'
    )


def test_unreachable_exchange_fails_at_reachable_with_a_fix(
    write_config: ConfigWriter,
    key_file: Path,
    closed_port: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"http://127.0.0.1:{closed_port}/trade-api/v2"
    status, lines, out = run_doctor(write_config(key_config(url, key_file)), capsys)
    assert status == 1
    assert lines["config valid"].startswith("✓")
    assert lines["key file safe"].startswith("✓")
    assert lines["exchange reachable"].startswith("✗")
    assert url in lines["exchange reachable"]
    for name in ("exchange status", "authentication", "clock skew"):
        assert lines[name].startswith("·"), lines[name]
    assert "First failure: exchange reachable" in out
    assert "fix: check exchange.base_url" in out
    assert "kalshi-tui sim" in out


def test_every_check_has_a_line(
    write_config: ConfigWriter,
    key_file: Path,
    closed_port: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"http://127.0.0.1:{closed_port}/trade-api/v2"
    _, lines, _ = run_doctor(write_config(key_config(url, key_file)), capsys)
    assert list(lines) == list(doctor.CHECK_NAMES)


def test_invalid_config_exits_2_and_lists_the_problems(
    write_config: ConfigWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, out = run_doctor(
        write_config("[risk]\nmax_open_orders = 0\n[polling]\nmarket_seconds = 3\n"), capsys
    )
    assert status == 2
    assert lines["config valid"].startswith("✗")
    assert "risk.max_open_orders" in out
    assert "did you mean 'markets_seconds'" in out
    assert all(lines[name].startswith("·") for name in doctor.CHECK_NAMES[1:])
    assert "First failure: config valid" in out


def test_unsafe_key_is_the_first_failure_with_chmod(
    write_config: ConfigWriter,
    key_file: Path,
    closed_port: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    os.chmod(key_file, 0o640)
    if os.name != "posix" or key_file.stat().st_mode & 0o777 != 0o640:
        pytest.skip("chmod has no effect here")
    url = f"http://127.0.0.1:{closed_port}/trade-api/v2"
    status, lines, out = run_doctor(write_config(key_config(url, key_file)), capsys)
    assert status == 1
    # The config itself is fine; the key gets its own line.
    assert lines["config valid"].startswith("✓")
    assert lines["key file safe"].startswith("✗")
    assert f"fix: chmod 600 {key_file}" in out


def test_no_key_configured_fails_key_check(
    write_config: ConfigWriter, closed_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{closed_port}/trade-api/v2"
    status, lines, out = run_doctor(write_config(f'[exchange]\nbase_url = "{url}"\n'), capsys)
    assert status == 1
    assert "no API key configured" in lines["key file safe"]
    assert "kalshi-tui init" in out


def test_halt_hook_is_reported(
    write_config: ConfigWriter,
    key_file: Path,
    closed_port: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen: list[Settings] = []

    def halt_status(settings: Settings) -> str | None:
        seen.append(settings)
        return "kill switch pressed at 14:02"

    module = types.ModuleType(doctor.HALT_STATE_MODULE)
    module.halt_status = halt_status  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, doctor.HALT_STATE_MODULE, module)
    url = f"http://127.0.0.1:{closed_port}/trade-api/v2"
    _, lines, _ = run_doctor(write_config(key_config(url, key_file)), capsys)
    assert lines["account not halted"].startswith("✗")
    assert "kill switch pressed at 14:02" in lines["account not halted"]
    assert len(seen) == 1


def test_halt_hook_absent_is_a_pass_with_note(
    write_config: ConfigWriter,
    key_file: Path,
    closed_port: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, doctor.HALT_STATE_MODULE, None)
    url = f"http://127.0.0.1:{closed_port}/trade-api/v2"
    _, lines, _ = run_doctor(write_config(key_config(url, key_file)), capsys)
    assert lines["account not halted"].startswith("✓")
    assert "not available in this build" in lines["account not halted"]


# --- against the embedded exchange ------------------------------------------------------


@pytest.fixture
def exchange(rsa_key_pem: bytes) -> Iterator[Callable[..., str]]:
    """Start the simulated exchange with our key registered; yields a starter returning
    the base URL (so each test picks its faults)."""
    from kalshi_tui.exchange.server import RunningExchange, start_exchange

    public_pem = (
        load_pem_private_key(rsa_key_pem, password=None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    running: list[RunningExchange] = []

    def start(faults: str = "") -> str:
        server = start_exchange(
            markets=5, agents=False, faults=faults, keys=[("doctor-key", public_pem)]
        )
        running.append(server)
        return server.base_url

    yield start
    for server in running:
        server.stop()


def test_everything_passes_against_the_embedded_exchange(
    write_config: ConfigWriter,
    key_file: Path,
    exchange: Callable[..., str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = exchange()
    status, lines, out = run_doctor(write_config(key_config(url, key_file)), capsys)
    assert status == 0, out
    assert all(line.startswith("✓") for line in lines.values()), out
    assert "All checks passed." in out
    assert "balance $" in lines["authentication"]


def test_paused_trading_fails_exchange_status(
    write_config: ConfigWriter,
    key_file: Path,
    exchange: Callable[..., str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = exchange("paused")
    status, lines, out = run_doctor(write_config(key_config(url, key_file)), capsys)
    assert status == 1
    assert lines["exchange reachable"].startswith("✓")
    assert lines["exchange status"].startswith("✗")
    assert "trading_active=False" in lines["exchange status"]
    assert "First failure: exchange status" in out


def test_wrong_key_id_fails_authentication(
    write_config: ConfigWriter,
    key_file: Path,
    exchange: Callable[..., str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = exchange()
    config = write_config(key_config(url, key_file, key_id="someone-else"))
    status, lines, out = run_doctor(config, capsys)
    assert status == 1
    assert lines["authentication"].startswith("✗")
    assert "First failure: authentication" in out
    assert "key_id belongs to the private key" in out


def test_skewed_clock_fails_with_a_clock_fix(
    write_config: ConfigWriter,
    key_file: Path,
    exchange: Callable[..., str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = exchange("clock_shift_s=30")
    status, lines, out = run_doctor(write_config(key_config(url, key_file)), capsys)
    assert status == 1
    assert lines["clock skew"].startswith("✗")
    assert "behind the exchange" in lines["clock skew"]
    assert "synchronise the system clock" in out
