"""XDG resolution and private directories."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kalshi_tui import paths


def test_xdg_variables_are_used(isolated_xdg: Path) -> None:
    assert paths.config_home() == isolated_xdg / "config"
    assert paths.data_home() == isolated_xdg / "data"
    assert paths.state_home() == isolated_xdg / "state"
    assert paths.default_config_path() == isolated_xdg / "config" / "kalshi-tui" / "config.toml"
    assert paths.state_dir() == isolated_xdg / "state" / "kalshi-tui"


@pytest.mark.parametrize("value", ["", "relative/dir"])
def test_unset_empty_or_relative_xdg_falls_back_to_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, value)
    assert paths.config_home() == tmp_path / ".config"
    assert paths.data_home() == tmp_path / ".local" / "share"
    assert paths.state_home() == tmp_path / ".local" / "state"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert paths.data_home() == tmp_path / ".local" / "share"


def test_default_data_dir(isolated_xdg: Path) -> None:
    root = isolated_xdg / "data" / "kalshi-tui"
    assert paths.default_data_dir("prod", "abc") == root / "prod-abc"
    assert paths.default_data_dir("demo", None) == root / "demo-local"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions only")
def test_ensure_private_dir_creates_every_missing_level_0700(tmp_path: Path) -> None:
    before = stat.S_IMODE(tmp_path.stat().st_mode)
    target = tmp_path / "a" / "b" / "c"
    assert paths.ensure_private_dir(target) == target
    for directory in (tmp_path / "a", tmp_path / "a" / "b", target):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    # tmp_path existed already: left as it was.
    assert stat.S_IMODE(tmp_path.stat().st_mode) == before


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions only")
def test_ensure_private_dir_tightens_an_existing_directory(tmp_path: Path) -> None:
    target = tmp_path / "journal"
    target.mkdir(mode=0o755)
    os.chmod(target, 0o755)
    paths.ensure_private_dir(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
