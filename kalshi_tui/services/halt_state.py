"""The persisted halt for `kalshi-tui doctor` (its "account not halted" line)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kalshi_tui.journal import Journal, JournalError, halt_marker, journal_path
from kalshi_tui.services.halt_info import describe_halt, halt_time

if TYPE_CHECKING:
    from kalshi_tui.config import Settings


def halt_status(settings: Settings) -> str | None:
    """None when the account is not halted (or has no journal yet); otherwise what
    halted it and when. An unreadable journal counts as halted: doctor must not say
    "not halted" when it cannot know; so does a halt marker (`journal.halt_marker`)."""
    path = journal_path(settings.data_dir)
    marker = halt_marker.read(path)
    try:
        journal = Journal.open(path, create=False)
    except JournalError as exc:
        if marker is not None:
            return f"{describe_halt(marker.state)}; and the journal cannot be read: {exc}"
        if not path.exists():
            return None
        return f"the journal cannot be read, so the halt state is unknown: {exc}"
    with journal:
        state = journal.halt_state()
    if not state.halted:
        return None
    return f"halted since {halt_time(state)} — {describe_halt(state)}"
