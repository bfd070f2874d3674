"""Fixtures for the journal tests: a journal in tmp_path with a controllable clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from journal_helpers import FakeClock

from kalshi_tui.journal import Journal


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def journal_file(tmp_path: Path) -> Path:
    return tmp_path / "account" / "journal.sqlite3"


@pytest.fixture
def journal(journal_file: Path, clock: FakeClock) -> Iterator[Journal]:
    with Journal.open(journal_file, clock=clock) as opened:
        yield opened
