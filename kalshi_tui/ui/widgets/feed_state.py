"""Shared staleness display for panes: the `-stale` class and the age in the border title.

Every pane is fed by one poller. When that poller's data is older than its
threshold (or never arrived) the pane is greyed through the `-stale` class and its
border title says how old the data is, so a frozen feed never looks like a quiet
market.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from kalshi_tui.domain.format import staleness
from kalshi_tui.domain.store import Snapshot


def feed_staleness(snapshot: Snapshot, feed: str, now: float) -> str | None:
    """The staleness text of `feed` in `snapshot` ("stale 14s", "never loaded"), or None."""
    return staleness(snapshot.health.get(feed), now)


def apply_feed_state(widget: Widget, title: str, stale: str | None) -> None:
    """Set `widget`'s `-stale` class and border title from a staleness text."""
    widget.set_class(stale is not None, "-stale")
    text = title if stale is None else f"{title} · {stale}"
    # Content, not str: a str title is parsed as markup and tickers are exchange text.
    widget.border_title = Content(text)
