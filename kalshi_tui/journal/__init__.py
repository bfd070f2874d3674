"""The write-ahead journal: a SQLite file per account recording every order intent before
its request is sent, plus acks, rejects, fills, settlements, the halt state and an
append-only event log. No Textual, no network.

    journal = Journal.open(journal_path(settings.data_dir))
    journal.record_intent(client_order_id, ticker=..., side="yes", action="buy", ...)
"""

from kalshi_tui.journal.amends import AmendIntent
from kalshi_tui.journal.core import JOURNAL_FILE_NAME, HaltNotJournaled, journal_path
from kalshi_tui.journal.journal import Journal
from kalshi_tui.journal.records import (
    NOT_HALTED,
    TERMINAL_STATES,
    UNRESOLVED_STATES,
    EventKind,
    EventRecord,
    HaltState,
    IntentRecord,
    IntentState,
    JournalDamaged,
    JournalError,
    OrderRecord,
)
from kalshi_tui.journal.schema import LATEST_VERSION

__all__ = [
    "JOURNAL_FILE_NAME",
    "LATEST_VERSION",
    "NOT_HALTED",
    "TERMINAL_STATES",
    "UNRESOLVED_STATES",
    "AmendIntent",
    "EventKind",
    "EventRecord",
    "HaltNotJournaled",
    "HaltState",
    "IntentRecord",
    "IntentState",
    "Journal",
    "JournalDamaged",
    "JournalError",
    "OrderRecord",
    "journal_path",
]
