"""`kalshi-tui init`: writes a valid config, never clobbers one, prompts on a terminal."""

from __future__ import annotations

import argparse
import os
import stat
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from kalshi_tui import cli, init_cmd
from kalshi_tui.config import ConfigError, load_settings


def init_args(*argv: str) -> argparse.Namespace:
    return cli.build_parser().parse_args(["init", *argv])


def test_writes_a_config_that_loads(
    tmp_path: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "conf" / "config.toml"
    status = cli.main(
        [
            "init",
            "--config",
            str(path),
            "--non-interactive",
            "--key-id",
            "key-123",
            "--private-key",
            str(key_file),
            "--data-dir",
            str(tmp_path / "data"),
        ]
    )
    assert status == 0
    settings = load_settings(path)
    assert settings.exchange.environment == "demo"
    assert settings.exchange.key_id == "key-123"
    assert settings.exchange.private_key_path == key_file
    assert settings.data_dir == tmp_path / "data"
    out = capsys.readouterr().out
    assert f"Wrote {path}" in out
    assert f"kalshi-tui doctor --config {path}" in out
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_default_location_and_next_step(
    isolated_xdg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["init", "--non-interactive"]) == 0
    path = isolated_xdg / "config" / "kalshi-tui" / "config.toml"
    assert load_settings().source == path
    out = capsys.readouterr().out
    assert "Next: run `kalshi-tui doctor` " in out
    assert "no API key configured" in out


def test_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# mine\n", encoding="utf-8")
    assert cli.main(["init", "--config", str(path), "--non-interactive"]) == 1
    assert path.read_text(encoding="utf-8") == "# mine\n"
    assert "--force" in capsys.readouterr().err


def test_force_replaces(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "config.toml"
    path.parent.mkdir()
    path.write_text("# mine\n", encoding="utf-8")
    argv = ["init", "--config", str(path), "--non-interactive", "--force"]
    assert cli.main([*argv, "--environment", "prod"]) == 0
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {"exchange": {"environment": "prod"}}
    assert load_settings(path).is_production
    # No temporary files are left beside it.
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"]


def test_invalid_values_write_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    args = init_args(
        "--config", str(path), "--non-interactive", "--key-id", "k", "--private-key", "nokey"
    )
    with pytest.raises(ConfigError) as info:
        init_cmd.run(args)
    assert info.value.problems[0].key == "exchange.private_key_path"
    assert not path.exists()


def test_unsafe_key_is_reported_with_chmod(
    tmp_path: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.chmod(key_file, 0o644)
    if stat.S_IMODE(key_file.stat().st_mode) != 0o644:
        pytest.skip("chmod has no effect on this filesystem")
    path = tmp_path / "config.toml"
    argv = ["init", "--config", str(path), "--non-interactive"]
    assert cli.main([*argv, "--key-id", "k", "--private-key", str(key_file)]) == 2
    assert f"chmod 600 {key_file}" in capsys.readouterr().err
    assert not path.exists()


def test_relative_paths_are_stored_absolute(
    tmp_path: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The key path is typed relative to the current directory; the config lives elsewhere.
    monkeypatch.chdir(key_file.parent)
    path = tmp_path / "elsewhere" / "config.toml"
    argv = ["init", "--config", str(path), "--non-interactive"]
    assert cli.main([*argv, "--key-id", "k", "--private-key", key_file.name]) == 0
    assert load_settings(path).exchange.private_key_path == key_file


def answers(*replies: str) -> Iterator[str]:
    return iter(replies)


def test_prompts_for_missing_values_on_a_terminal(
    tmp_path: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    replies = answers("staging", "", "key-9", str(key_file))
    questions: list[str] = []

    def prompt(question: str) -> str:
        questions.append(question)
        return next(replies)

    path = tmp_path / "config.toml"
    assert init_cmd.run(init_args("--config", str(path)), prompt=prompt) == 0
    settings = load_settings(path)
    # "staging" was refused and asked again; the empty answer took the default.
    assert settings.exchange.environment == "demo"
    assert settings.exchange.key_id == "key-9"
    assert settings.exchange.private_key_path == key_file
    assert len(questions) == 4


def test_flags_are_not_asked_again(
    tmp_path: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    questions: list[str] = []

    def prompt(question: str) -> str:
        questions.append(question)
        return str(key_file)

    path = tmp_path / "config.toml"
    args = init_args("--config", str(path), "--environment", "demo", "--key-id", "k")
    assert init_cmd.run(args, prompt=prompt) == 0
    assert questions == ["Path to the private key file (PEM): "]


def test_non_interactive_never_prompts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)

    def prompt(question: str) -> str:
        raise AssertionError(f"prompted: {question}")

    path = tmp_path / "config.toml"
    assert init_cmd.run(init_args("--config", str(path), "--non-interactive"), prompt=prompt) == 0


def test_refuses_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["init", "--config", str(tmp_path), "--non-interactive", "--force"]
    assert cli.main(argv) == 1
    assert "is a directory" in capsys.readouterr().err
