"""Files and directories the user names that are the wrong kind (issue 11, "Bad configuration
inputs found since"), through the real command line in a fresh interpreter each time.

A FIFO named as the config once hung every command forever, `/dev/zero` was read until
memory ran out, a data directory that is a file gave tracebacks, and a UTF-8 byte order
mark was "Invalid statement". Every case here must end within the subprocess timeout (a
hang fails the test instead of blocking CI), exit non-zero without a traceback, and say in
one line what is wrong, where, and the fix.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

TIMEOUT = 60
"""Seconds a command may take; far more than any of these needs, far less than forever."""

BOM = b"\xef\xbb\xbf"

Run = Callable[..., subprocess.CompletedProcess[str]]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m kalshi_tui ARGS` with stdin closed; the XDG homes are the test's."""
    return subprocess.run(
        [sys.executable, "-m", "kalshi_tui", *args],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        timeout=TIMEOUT,
    )


def output(result: subprocess.CompletedProcess[str]) -> str:
    text = result.stdout + result.stderr
    assert "Traceback" not in text, text
    return text


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "config.fifo"
    os.mkfifo(path)
    return path


def offline_config(tmp_path: Path, body: str = "", *, name: str = "config.toml") -> Path:
    """A config whose exchange is a closed loopback port: no command goes online."""
    path = tmp_path / name
    path.write_text(
        '[exchange]\nbase_url = "http://127.0.0.1:9/trade-api/v2"\n' + body, encoding="utf-8"
    )
    return path


# --- the config file itself ------------------------------------------------------------

COMMANDS: dict[str, list[str]] = {
    "app": [],
    "doctor": ["doctor"],
    "halt": ["halt", "--timeout", "1"],
    "resume": ["resume", "--reason", "test"],
    "export": ["export", "--out", "{tmp}/out.csv"],
}


def command(name: str, tmp_path: Path) -> list[str]:
    return [part.replace("{tmp}", str(tmp_path)) for part in COMMANDS[name]]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_fifo_as_config_is_refused_at_once(name: str, fifo: Path, tmp_path: Path) -> None:
    result = run_cli(*command(name, tmp_path), "--config", str(fifo))
    text = output(result)
    assert result.returncode == 2, text
    assert f"{fifo}: cannot read the config file {fifo}: it is a FIFO" in text
    assert "fix:" in text


@pytest.mark.parametrize("name", ["app", "halt", "export"])
def test_a_fifo_named_by_the_environment_is_refused_at_once(
    name: str, fifo: Path, tmp_path: Path
) -> None:
    result = run_cli(*command(name, tmp_path), env={"KALSHI_TUI_CONFIG": str(fifo)})
    text = output(result)
    assert result.returncode == 2, text
    assert "it is a FIFO (named pipe), not a regular file" in text


@pytest.mark.parametrize("name", ["app", "doctor"])
def test_dev_zero_as_config_is_refused_at_once(name: str, tmp_path: Path) -> None:
    result = run_cli(*command(name, tmp_path), "--config", "/dev/zero")
    text = output(result)
    assert result.returncode == 2, text
    assert "/dev/zero: it is a character device, not a regular file" in text


def test_a_huge_config_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.toml"
    with huge.open("wb") as handle:
        handle.truncate(4 * 1024**3)  # sparse: costs no disk, would cost 4 GiB of memory
    result = run_cli("doctor", "--config", str(huge))
    text = output(result)
    assert result.returncode == 2, text
    assert "it is 4096.0 MiB, larger than the 1.0 MiB any config file needs" in text


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = tmp_path / "config.toml"
    config.write_bytes(BOM + f'[storage]\ndata_dir = "{data}"\n'.encode())
    result = run_cli("resume", "--reason", "test", "--config", str(config))
    text = output(result)
    assert result.returncode == 0, text
    assert "not halted" in text


def test_after_a_byte_order_mark_problems_keep_their_lines(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(BOM + b"[risk]\nmax_order_contracts = 0\n")
    result = run_cli("resume", "--reason", "test", "--config", str(config))
    text = output(result)
    assert result.returncode == 2, text
    assert "Invalid statement" not in text
    assert f"{config}:2:1: risk.max_order_contracts:" in text


def test_absurd_numbers_are_refused_naming_each_key(tmp_path: Path) -> None:
    config = offline_config(
        tmp_path,
        "request_timeout_seconds = 1e-9\n"
        "[risk]\nmax_order_contracts = 1000000000000\nmax_drawdown_dollars = 1e15\n"
        "unknown_order_timeout_seconds = inf\nmax_clock_skew_seconds = 1e308\n"
        "[polling]\norderbook_seconds = 1e-9\nmarkets_seconds = 1e308\n"
        "fills_seconds = nan\n",
    )
    result = run_cli("export", "--out", str(tmp_path / "x.csv"), "--config", str(config))
    text = output(result)
    assert result.returncode == 2, text
    assert "8 configuration problems" in text
    for key, words in [
        ("exchange.request_timeout_seconds", "at least 0.5"),
        ("risk.max_order_contracts", "at most 1000000"),
        ("risk.max_drawdown_dollars", "at most 10000000"),
        ("risk.unknown_order_timeout_seconds", "inf is not a finite number"),
        ("risk.max_clock_skew_seconds", "at most 60"),
        ("polling.orderbook_seconds", "at least 0.1"),
        ("polling.markets_seconds", "at most 3600"),
        ("polling.fills_seconds", "nan is not a finite number"),
    ]:
        line = next((line for line in text.splitlines() if f" {key}: " in line), None)
        assert line is not None, f"{key} not reported:\n{text}"
        assert words in line, line


@pytest.mark.parametrize("timeout", ["nan", "1e308", "-1"])
def test_halt_timeout_out_of_range_is_a_usage_error(timeout: str, tmp_path: Path) -> None:
    config = offline_config(tmp_path, f'[storage]\ndata_dir = "{tmp_path / "data"}"\n')
    result = run_cli("halt", "--config", str(config), "--timeout", timeout)
    text = output(result)
    assert result.returncode == 2, text
    assert "--timeout" in text
    assert "is out of range: it must be a positive number of seconds up to 3600" in text


# --- the private key file ----------------------------------------------------------------


def key_config(tmp_path: Path, key: Path) -> Path:
    return offline_config(tmp_path, f'key_id = "k"\nprivate_key_path = "{key}"\n')


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "huge"])
def test_a_key_that_is_not_a_small_file_is_refused_at_once(kind: str, tmp_path: Path) -> None:
    if kind == "fifo":
        key = tmp_path / "kalshi.key"
        os.mkfifo(key, 0o600)
    elif kind == "dev-zero":
        key = Path("/dev/zero")
    else:
        key = tmp_path / "kalshi.key"
        with key.open("wb") as handle:
            handle.truncate(3 * 1024**3)
        key.chmod(0o600)
    for args, status in ([], 2), (["doctor"], 1):
        result = run_cli(*args, "--config", str(key_config(tmp_path, key)))
        text = output(result)
        assert result.returncode == status, text
        assert "exchange.private_key_path" in text or "✗ key file safe" in text
        assert str(key) in text
        if kind == "huge":
            assert "larger than the 64 KiB any private key needs" in text
        else:
            assert "is not a file" in text


# --- the data directory -------------------------------------------------------------------


def data_dir_config(tmp_path: Path, data_dir: Path) -> Path:
    return offline_config(tmp_path, f'[storage]\ndata_dir = "{data_dir}"\n')


def check_data_dir_report(
    name: str, result: subprocess.CompletedProcess[str], data_dir: Path, what: str
) -> None:
    text = output(result)
    assert result.returncode == 1, text
    assert f"the data directory {data_dir} {what}" in text, text
    if name == "doctor":
        assert "✗ account not halted  cannot tell: the data directory" in text
    else:
        assert "fix: move" in text or "fix: fix the permissions" in text, text


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_data_dir_that_is_a_file(name: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.write_text("not a directory\n")
    config = data_dir_config(tmp_path, data_dir)
    result = run_cli(*command(name, tmp_path), "--config", str(config))
    check_data_dir_report(name, result, data_dir, "is a file, not a directory")
    if name != "doctor":  # doctor prints the fix of its first failure (no key) only
        assert f"set [storage] data_dir in {config}" in result.stdout + result.stderr


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_data_dir_under_a_file(name: str, tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a directory\n")
    data_dir = blocker / "account"
    config = data_dir_config(tmp_path, data_dir)
    result = run_cli(*command(name, tmp_path), "--config", str(config))
    check_data_dir_report(name, result, data_dir, f"cannot be created: {blocker} is a file")


def test_the_default_data_dir_under_a_file(tmp_path: Path) -> None:
    """No config file at all (the demo account): the fix names $XDG_DATA_HOME."""
    data_home = Path(os.environ["XDG_DATA_HOME"])
    (data_home / "kalshi-tui").write_text("in the way\n")
    for args in (["halt", "--timeout", "1"], ["resume", "--reason", "x"]):
        result = run_cli(*args)
        text = output(result)
        assert result.returncode == 1, text
        assert f"{data_home / 'kalshi-tui'} is a file" in text
        assert "set $XDG_DATA_HOME to a directory you can write" in text


@pytest.fixture
def unwritable_dir(tmp_path: Path) -> Path:
    path = tmp_path / "locked"
    path.mkdir()
    path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        (path / "probe").touch()
    except PermissionError:
        yield path
    else:
        pytest.skip("this user writes anywhere (root): permission bits cannot lock it")
    finally:
        path.chmod(0o700)


@pytest.mark.parametrize("name", ["app", "halt", "resume", "doctor"])
def test_an_unwritable_data_dir(name: str, tmp_path: Path, unwritable_dir: Path) -> None:
    config = data_dir_config(tmp_path, unwritable_dir)
    result = run_cli(*command(name, tmp_path), "--config", str(config))
    check_data_dir_report(name, result, unwritable_dir, "cannot be used: it is not writable")


def test_init_refuses_a_data_dir_that_is_a_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.write_text("x\n")
    config = tmp_path / "new.toml"
    result = run_cli(
        "init", "--config", str(config), "--data-dir", str(data_dir), "--non-interactive"
    )
    text = output(result)
    assert result.returncode == 1, text
    assert f"the data directory {data_dir} is a file, not a directory" in text
    assert "fix: move" in text
    assert not config.exists()


def test_init_refuses_a_config_under_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "cfg"
    blocker.write_text("x\n")
    result = run_cli("init", "--config", str(blocker / "sub" / "config.toml"), "--non-interactive")
    text = output(result)
    assert result.returncode == 1, text
    assert f"cannot be created: {blocker} is a file" in text


def test_init_never_replaces_a_fifo(fifo: Path) -> None:
    result = run_cli("init", "--config", str(fifo), "--non-interactive", "--force")
    text = output(result)
    assert result.returncode == 1, text
    assert f"{fifo} is a FIFO (named pipe), not a config file" in text
    assert stat.S_ISFIFO(fifo.stat().st_mode)


# --- files written at a path the user names ------------------------------------------------


def test_export_never_replaces_a_fifo(fifo: Path) -> None:
    result = run_cli("export", "--out", str(fifo))
    text = output(result)
    assert result.returncode == 2, text
    assert f"the --out file {fifo} is a FIFO (named pipe), not a regular file" in text
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_export_out_under_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x\n")
    result = run_cli("export", "--out", str(blocker / "fills.csv"))
    text = output(result)
    assert result.returncode == 2, text
    assert f"{blocker} is a file, not a directory" in text


@pytest.mark.parametrize("flag", ["--state", "--write-config"])
def test_sim_refuses_a_fifo_for_its_files(flag: str, fifo: Path) -> None:
    result = run_cli("sim", "--port", "0", flag, str(fifo))
    text = output(result)
    assert result.returncode == 2, text
    assert f"{flag} {fifo}: is a FIFO (named pipe), not a regular file" in text
