"""What the market list looked like, kept across restarts: filter, sort, selected market.

`ui-state.json` in the data directory (beside `favourites.json`) holds

    {"version": 1, "filter": "btc", "sort": "volume", "descending": true,
     "selected": "KXBTCD-26NOV1816-T95250", "favourites_only": false,
     "group_by_event": false, "pane": "book"}

It is written atomically (a temporary file, then a rename) when the state changed (checked
every two seconds) and when the app closes, and read once at start-up. A file that cannot
be read or is not this shape is ignored with one warning in the log — never a crash — and
a field with a bad value is dropped on its own (the others still apply). A selected market
that no longer exists is simply not selected.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kalshi_tui.domain.market_view import SortKey

UI_STATE_FILE = "ui-state.json"
VERSION = 1
MAX_FILTER = 200
"""Longest filter text kept (a filter is typed by hand)."""


@dataclass(frozen=True, slots=True)
class UiState:
    filter: str = ""
    sort: str = SortKey.TICKER.value
    descending: bool = False
    selected: str | None = None
    favourites_only: bool = False
    group_by_event: bool = False
    pane: str = "book"
    """The compact layout's detail pane."""


def parse(data: Any) -> tuple[UiState, list[str]]:
    """The state in `data` (a decoded JSON document) and the problems found in it."""
    if not isinstance(data, dict):
        return UiState(), ["not a JSON object"]
    problems: list[str] = []
    fields: dict[str, Any] = {}
    text = data.get("filter", "")
    if isinstance(text, str) and len(text) <= MAX_FILTER:
        fields["filter"] = text
    else:
        problems.append("filter")
    sort = data.get("sort", SortKey.TICKER.value)
    if isinstance(sort, str) and sort in {key.value for key in SortKey}:
        fields["sort"] = sort
    else:
        problems.append("sort")
    for name in ("descending", "favourites_only", "group_by_event"):
        value = data.get(name, False)
        if isinstance(value, bool):
            fields[name] = value
        else:
            problems.append(name)
    selected = data.get("selected")
    if selected is None or (isinstance(selected, str) and 0 < len(selected) <= 200):
        fields["selected"] = selected
    else:
        problems.append("selected")
    pane = data.get("pane", "book")
    if isinstance(pane, str):
        fields["pane"] = pane
    else:
        problems.append("pane")
    return UiState(**fields), problems


def load(path: Path) -> tuple[UiState | None, str | None]:
    """The saved state (None when there is no file) and a warning to log, if any."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"could not read the UI state {path}: {exc}; starting with defaults"
    try:
        data = json.loads(raw)
    except ValueError as exc:
        return None, f"ignored the UI state {path}: not JSON ({exc}); starting with defaults"
    state, problems = parse(data)
    if problems == ["not a JSON object"]:
        return None, f"ignored the UI state {path}: not a JSON object; starting with defaults"
    warning = None
    if problems:
        warning = f"ignored bad field(s) {', '.join(problems)} in the UI state {path}"
    return state, warning


def save(path: Path, state: UiState) -> None:
    """Write `state` atomically. Raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(
        json.dumps({"version": VERSION, **asdict(state)}, indent=1) + "\n", encoding="utf-8"
    )
    temporary.replace(path)
