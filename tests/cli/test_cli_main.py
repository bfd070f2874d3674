"""The `kalshi-tui` entry point: help, version, option plumbing, dispatch, exit codes."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tomllib
import types
from collections.abc import Callable
from pathlib import Path

import pytest

import kalshi_tui
from kalshi_tui import cli
from kalshi_tui.config import Settings

HEAVY_MODULES = ("textual", "httpx", "pydantic", "cryptography", "starlette", "uvicorn")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m kalshi_tui ARGS` in a fresh interpreter, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "kalshi_tui", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_help_lists_every_subcommand() -> None:
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    for command in ("init", "doctor"):
        assert f"    {command} " in result.stdout
    assert "--config PATH" in result.stdout
    assert "--demo" in result.stdout
    assert "--version" in result.stdout


def test_help_lists_exactly_the_registered_subcommands() -> None:
    parser = cli.build_parser()
    subparsers = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    registered = set(subparsers.choices)
    assert {"init", "doctor"} <= registered
    assert registered <= {
        "init",
        "doctor",
        "export",
        "halt",
        "resume",
        "journal",
        "transfer",
        "sim",
        "bench",
    }
    help_text = parser.format_help()
    for name in registered:
        assert f"    {name} " in help_text


def test_help_is_import_light() -> None:
    code = (
        "import sys\n"
        "from kalshi_tui.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"heavy = [m for m in {HEAVY_MODULES!r} if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
        "raise SystemExit(1 if heavy else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"kalshi-tui {kalshi_tui.__version__}"


@pytest.mark.parametrize("command", ["init", "doctor"])
def test_every_subcommand_accepts_config(command: str) -> None:
    args = cli.build_parser().parse_args([command, "--config", "x.toml"])
    assert args.config == "x.toml"


def test_global_config_reaches_the_subcommand_and_can_be_overridden() -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["--config", "a.toml", "doctor"]).config == "a.toml"
    assert parser.parse_args(["--config", "a.toml", "doctor", "--config", "b.toml"]).config == (
        "b.toml"
    )
    assert parser.parse_args(["doctor"]).config is None


def test_config_error_exits_2_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[risk]\nmax_open_orders = 0\nmax_ordr_contracts = 1\n", encoding="utf-8")
    result = run_cli("doctor", "--config", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert "risk.max_open_orders" in result.stdout
    assert "did you mean 'max_order_contracts'" in result.stdout


def test_missing_explicit_config_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "absent.toml"
    result = run_cli("doctor", "--config", str(missing))
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert "config file does not exist" in result.stdout
    assert f"kalshi-tui init --config {missing}" in result.stdout


def test_init_with_a_production_url_on_demo_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    result = run_cli(
        "init",
        "--config",
        str(path),
        "--non-interactive",
        "--base-url",
        "https://api.elections.kalshi.com/trade-api/v2",
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "exchange.base_url" in result.stderr
    assert 'environment = "prod"' in result.stderr
    assert not path.exists()


# --- the TUI dispatch -----------------------------------------------------------------


def test_bare_command_without_the_ui_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # None in sys.modules makes the import fail exactly as a missing module does.
    monkeypatch.setitem(sys.modules, cli.UI_MODULE, None)
    assert cli.main([]) == 1
    assert capsys.readouterr().err.strip() == (
        "kalshi-tui: the terminal UI is not installed in this build"
    )


RunCall = tuple[Settings | None, bool]


def _fake_ui(monkeypatch: pytest.MonkeyPatch) -> list[RunCall]:
    calls: list[RunCall] = []

    def run(settings: Settings | None, demo: bool) -> int:
        calls.append((settings, demo))
        return 0

    module = types.ModuleType(cli.UI_MODULE)
    module.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, cli.UI_MODULE, module)
    return calls


def test_bare_command_runs_the_ui_with_settings(
    monkeypatch: pytest.MonkeyPatch, write_config: Callable[[str], Path]
) -> None:
    calls = _fake_ui(monkeypatch)
    path = write_config("[risk]\nmax_open_orders = 9\n")
    assert cli.main(["--config", str(path)]) == 0
    [(settings, demo)] = calls
    assert settings is not None
    assert settings.risk.max_open_orders == 9
    assert demo is False


def test_bare_command_without_a_config_file_passes_none(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake_ui(monkeypatch)
    assert cli.main(["--demo"]) == 0
    assert calls == [(None, True)]


def test_bare_command_with_a_bad_config_exits_2(
    monkeypatch: pytest.MonkeyPatch,
    write_config: Callable[[str], Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls = _fake_ui(monkeypatch)
    path = write_config("[ui]\nconfirm_orders = 1\n")
    assert cli.main(["--config", str(path)]) == 2
    assert calls == []
    assert "ui.confirm_orders" in capsys.readouterr().err


def test_bare_command_with_a_missing_explicit_config_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = _fake_ui(monkeypatch)
    missing = tmp_path / "absent.toml"
    assert cli.main(["--config", str(missing)]) == 2
    assert calls == []
    err = capsys.readouterr().err
    assert "config file does not exist" in err
    assert f"kalshi-tui init --config {missing}" in err


# --- sim, provided by the exchange package --------------------------------------------


def test_sim_is_registered_from_the_exchange_module(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[argparse.Namespace] = []
    module = types.ModuleType(cli.EXCHANGE_CLI_MODULE)

    def configure_parser(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8765)

    def run(args: argparse.Namespace) -> int:
        seen.append(args)
        return 0

    module.configure_parser = configure_parser  # type: ignore[attr-defined]
    module.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, cli.EXCHANGE_CLI_MODULE, module)
    assert "    sim " in cli.build_parser().format_help()
    assert cli.main(["--config", "c.toml", "sim", "--port", "0"]) == 0
    [args] = seen
    assert args.port == 0
    assert args.config == "c.toml"


def test_sim_is_absent_when_the_exchange_module_is(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, cli.EXCHANGE_CLI_MODULE, None)
    assert "    sim " not in cli.build_parser().format_help()
    with pytest.raises(SystemExit) as info:
        cli.main(["sim"])
    assert info.value.code == 2
    assert "invalid choice: 'sim'" in capsys.readouterr().err


def test_console_script_points_at_main() -> None:
    # `python -m kalshi_tui` is exercised by run_cli above; the script must be the same.
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    scripts = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["kalshi-tui"] == "kalshi_tui.cli:main"
