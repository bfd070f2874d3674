"""The journal's health for `kalshi-tui doctor` (its "journal intact" line).

Opens the journal as the app's start-up does — the identity check and `PRAGMA
quick_check` included — and says exactly what is wrong and what to do when it would be
refused. Reads only; a journal that does not exist yet is fine (it is created on first
start).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from kalshi_tui.journal import halt_marker, identity
from kalshi_tui.journal.journal import Journal
from kalshi_tui.journal.records import JournalDamaged, JournalError


@dataclass(frozen=True, slots=True)
class Health:
    ok: bool
    detail: str
    fix: str | None = None


def journal_health(path: Path) -> Health:
    """Whether the app would start on the journal at `path`, and why not."""
    if not path.exists() and identity.read(path) is None:
        # No path in a passing line: the data directory's name carries the API key id.
        return Health(True, "no journal yet (created on first start)")
    started = time.perf_counter()
    try:
        journal = Journal.open(path, create=False, verify=True)
    except JournalDamaged as exc:
        return Health(False, str(exc), identity.way_forward(path))
    except JournalError as exc:
        return Health(False, str(exc), "see the message above; the file was left as it is")
    with journal:
        events = journal.last_seq()
    elapsed = time.perf_counter() - started
    marked = " (a halt marker is beside it)" if halt_marker.read(path) is not None else ""
    return Health(
        True,
        f"{path.name}: quick_check ok, events up to #{events} ({elapsed * 1000:.0f} ms){marked}",
    )
