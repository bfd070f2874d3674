"""Layering: only kalshi_tui.ui may import Textual.

Each non-UI module is imported in a fresh interpreter, which then asserts that
`textual` never entered `sys.modules`.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import kalshi_tui


def _non_ui_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(kalshi_tui.__path__, prefix="kalshi_tui."):
        if info.name == "kalshi_tui.ui" or info.name.startswith("kalshi_tui.ui."):
            continue
        if info.name == "kalshi_tui.__main__":
            continue
        names.append(info.name)
    return names


def test_there_are_modules_to_check() -> None:
    assert "kalshi_tui.api" in _non_ui_modules()
    assert "kalshi_tui.exchange" in _non_ui_modules()


def test_non_ui_modules_do_not_import_textual() -> None:
    modules = _non_ui_modules()
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "    if 'textual' in sys.modules:\n"
        "        raise SystemExit('textual imported by ' + name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("package", ["kalshi_tui.api", "kalshi_tui.exchange"])
def test_exchange_and_api_do_not_import_the_ui(package: str) -> None:
    code = (
        f"import importlib, sys, pkgutil\nimport {package} as p\n"
        "for i in pkgutil.walk_packages(p.__path__, prefix=p.__name__ + '.'):\n"
        "    importlib.import_module(i.name)\n"
        "bad = [m for m in sys.modules if m.startswith('kalshi_tui.ui')]\n"
        "raise SystemExit(repr(bad) if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
