"""Where kalshi-tui keeps its files: XDG base directories and private directories.

The XDG Base Directory specification says an environment variable that is unset, empty or
not absolute must be ignored and the documented default used instead; the functions here do
exactly that, so a stray relative `XDG_DATA_HOME` never scatters journals into the current
directory. Nothing in this module imports anything heavier than the standard library: the
command line uses it while answering `--help`.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "kalshi-tui"
"""Directory name used under every XDG base directory."""

CONFIG_ENV_VAR = "KALSHI_TUI_CONFIG"
"""Environment variable naming a config file; treated like an explicit `--config`."""

CONFIG_FILE_NAME = "config.toml"
"""File name of the configuration inside the config directory."""

PRIVATE_DIR_MODE = 0o700
"""Mode for directories holding keys, journals or logs: owner only, like `~/.ssh`."""


def _xdg_home(variable: str, fallback: str) -> Path:
    """Return the base directory named by `variable`, or `~/<fallback>`.

    Relative values are ignored, as the XDG specification requires.
    """
    value = os.environ.get(variable, "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / fallback


def config_home() -> Path:
    """`$XDG_CONFIG_HOME`, or `~/.config` when unset."""
    return _xdg_home("XDG_CONFIG_HOME", ".config")


def data_home() -> Path:
    """`$XDG_DATA_HOME`, or `~/.local/share` when unset."""
    return _xdg_home("XDG_DATA_HOME", ".local/share")


def state_home() -> Path:
    """`$XDG_STATE_HOME`, or `~/.local/state` when unset."""
    return _xdg_home("XDG_STATE_HOME", ".local/state")


def config_dir() -> Path:
    """Directory holding kalshi-tui's configuration."""
    return config_home() / APP_NAME


def default_config_path() -> Path:
    """The config file used when neither `--config` nor `$KALSHI_TUI_CONFIG` is given."""
    return config_dir() / CONFIG_FILE_NAME


def state_dir() -> Path:
    """Directory for state that is not worth backing up (e.g. UI layout)."""
    return state_home() / APP_NAME


def account_dir_name(environment: str, key_id: str | None) -> str:
    """Name of the per-account data directory: `<environment>-<key id>`.

    Without a key (the embedded demo exchange) the account part is `local`, so a keyless
    session never shares a journal with a real account.
    """
    return f"{environment}-{key_id or 'local'}"


def default_data_dir(environment: str, key_id: str | None) -> Path:
    """`$XDG_DATA_HOME/kalshi-tui/<environment>-<key id>/`.

    One directory per account and environment keeps a demo journal from ever being
    reconciled against a production account.
    """
    return data_home() / APP_NAME / account_dir_name(environment, key_id)


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) with mode 0700 and return it.

    `Path.mkdir(parents=True, mode=...)` applies the mode to the last directory only, so the
    missing ancestors are created one by one here: any directory we create on the way (e.g.
    `~/.local/share/kalshi-tui`) is ours and private too. An existing `path` is tightened to
    0700 as well, because it holds keys or journals and a readable journal leaks the
    account's trading history.
    """
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        # exist_ok: another process (a second terminal running `halt`) may win the race.
        directory.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
    if os.name == "posix":
        os.chmod(path, PRIVATE_DIR_MODE)
    return path
