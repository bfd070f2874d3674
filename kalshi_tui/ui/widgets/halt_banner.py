"""The halt banner: a full-width bar shown while trading is HALTED, saying how to re-arm
(first, so a narrow screen never cuts it), why, and whether the exchange has confirmed zero
resting orders (VERIFIED) or not yet (UNVERIFIED); it wraps to a second line if it must.
Hidden otherwise. Its colours come from the theme; `-unverified` and `-verified`
are classes so the stylesheet can tell the states apart at a glance.
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual.content import Content
from textual.widgets import Static

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.store import HaltProgress, Snapshot, TradingMode


def banner_text(snapshot: Snapshot, now: float) -> str:
    """The banner's one line (empty when trading is not halted)."""
    trading = snapshot.trading
    if trading.mode is not TradingMode.HALTED:
        return ""
    halt: HaltProgress | None = snapshot.halt
    reason = trading.reason or (halt.reason if halt else "") or "halted"
    # The instruction comes first: on a narrow screen the line wraps, and what to do must
    # never be the part that is lost.
    parts = [f"HALTED — ctrl+r re-arms — {reason}"]
    if halt is None:
        parts.append("no orders can be sent")
    elif halt.verified:
        elapsed = f" in {halt.elapsed * 1000:.0f} ms" if halt.elapsed is not None else ""
        parts.append(f"VERIFIED: 0 resting ({halt.cancelled} cancelled{elapsed})")
    else:
        resting = "?" if halt.resting is None else str(halt.resting)
        since = fmt.age(now - halt.started)
        line = f"UNVERIFIED: {resting} resting, {halt.cancelled} cancelled, {since}"
        if halt.last_error:
            line += f" · retrying: {halt.last_error}"
        parts.append(line)
    if halt is not None and not halt.durable:
        parts.append("NOT SAVED to the journal")
    return " · ".join(parts)


class HaltBanner(Static):
    """Shown only while HALTED. Call `show(snapshot, now)` on store changes."""

    SNAPSHOT_FIELDS: ClassVar[frozenset[str]] = frozenset({"trading", "halt"})

    DEFAULT_CSS = """
    HaltBanner {
        display: none;
        height: auto;
        max-height: 2;
        width: 1fr;
        background: $error;
        color: $text;
        text-style: bold;
        padding: 0 1;
    }
    HaltBanner.-shown {
        display: block;
    }
    HaltBanner.-verified {
        background: $error-darken-2;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._text = ""

    def show(self, snapshot: Snapshot, now: float | None = None) -> None:
        text = banner_text(snapshot, time.time() if now is None else now)
        halt = snapshot.halt
        self.set_class(bool(text), "-shown")
        self.set_class(bool(text) and halt is not None and halt.verified, "-verified")
        self.set_class(bool(text) and (halt is None or not halt.verified), "-unverified")
        if text != self._text:
            self._text = text
            self.update(Content(text))
