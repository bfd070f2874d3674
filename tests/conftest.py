"""Shared fixtures: every test runs with its XDG directories inside tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point XDG config/data/state/cache homes at a temporary directory.

    No test may read or write the developer's real configuration or journal.
    """
    root = tmp_path / "xdg"
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        path = root / name.lower()
        path.mkdir(parents=True)
        monkeypatch.setenv(f"XDG_{name}_HOME", str(path))
    monkeypatch.delenv("KALSHI_TUI_CONFIG", raising=False)
    return root
