"""The persisted halt for `kalshi-tui doctor` (its "account not halted" line)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kalshi_tui.journal import Journal, JournalError, journal_path
from kalshi_tui.services.halt_info import describe_halt, halt_time

if TYPE_CHECKING:
    from kalshi_tui.config import Settings


def halt_status(settings: Settings) -> str | None:
    """None when the account is not halted (or has no journal yet); otherwise what
    halted it and when. An unreadable journal counts as halted: doctor must not say
    "not halted" when it cannot know."""
    try:
        journal = Journal.open(journal_path(settings.data_dir), create=False)
    except JournalError as exc:
        if not journal_path(settings.data_dir).exists():
            return None
        return f"the journal cannot be read, so the halt state is unknown: {exc}"
    with journal:
        state = journal.halt_state()
    if not state.halted:
        return None
    return f"halted since {halt_time(state)} — {describe_halt(state)}"
