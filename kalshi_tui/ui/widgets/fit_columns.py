"""Fitting a table's columns to the width it has, for the positions and orders panes.

A pane names its columns and, in order, the reductions to try when they do not fit:
abbreviated headers, a shorter market ticker (its leading parts go first, `…` marks the
cut), a compact form of a column's cells (the fill bar left out), and columns dropped
from least to most important. Reductions accumulate until the columns fit; numbers are
never cut, so a column is either shown whole or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rich.cells import cell_len

ELLIPSIS = "…"

MIN_TICKER = 8
"""Narrowest market column: `…` and the last part of a ticker (`…T98000`)."""


@dataclass(frozen=True)
class FitColumn:
    key: str
    label: str
    short: str
    """The abbreviated header."""


@dataclass(frozen=True)
class Reduce:
    """One step to try when the columns do not fit."""

    kind: str
    """"short" (abbreviated headers), "ticker" (shorten the market column), "compact"
    (the compact form of `key`'s cells) or "drop" (leave `key` out)."""
    key: str = ""


@dataclass(frozen=True)
class Fit:
    """The columns to show and how."""

    columns: tuple[FitColumn, ...]
    short_labels: bool = False
    ticker_width: int | None = None
    """The market column's width when shortened; None: tickers whole."""
    compact: frozenset[str] = field(default_factory=frozenset)
    """Keys whose cells are shown in their compact form."""

    def label(self, column: FitColumn) -> str:
        return column.short if self.short_labels else column.label


def fit_columns(
    columns: Sequence[FitColumn],
    widths: Mapping[str, int],
    width: int,
    reductions: Sequence[Reduce],
    *,
    ticker_key: str = "ticker",
    compact_widths: Mapping[str, int] | None = None,
    padding: int = 1,
) -> Fit:
    """The least reduced way to show `columns` (content `widths` by key) in `width` cells."""
    compact_widths = compact_widths or {}
    dropped: set[str] = set()
    compact: set[str] = set()
    short = shorten_ticker = False
    fit = Fit(tuple(columns))
    for step in (None, *reductions):
        if step is not None:
            if step.kind == "short":
                short = True
            elif step.kind == "ticker":
                shorten_ticker = True
            elif step.kind == "compact":
                compact.add(step.key)
            elif step.kind == "drop":
                dropped.add(step.key)
        shown = tuple(c for c in columns if c.key not in dropped)

        def cells(column: FitColumn, *, short: bool = short) -> int:
            content = compact_widths.get(column.key) if column.key in compact else None
            content = widths.get(column.key, 0) if content is None else content
            label = column.short if short else column.label
            return max(cell_len(label), content) + 2 * padding

        total = sum(cells(c) for c in shown)
        ticker = next((c for c in shown if c.key == ticker_key), None)
        ticker_width: int | None = None
        if shorten_ticker and ticker is not None and total > width:
            others = total - cells(ticker)
            label = cell_len(ticker.short if short else ticker.label)
            ticker_width = max(MIN_TICKER, label, width - others - 2 * padding)
            total = others + ticker_width + 2 * padding
        fit = Fit(shown, short, ticker_width, frozenset(compact))
        if total <= width:
            return fit
    return fit


def short_ticker(ticker: str, width: int | None) -> str:
    """`ticker` in `width` cells: whole if it fits, else its last dash-separated parts after
    `…` (`…26DEC021619-T98000`, `…T98000`), cut inside a part only when the last one alone
    is too long."""
    if width is None or cell_len(ticker) <= width:
        return ticker
    parts = ticker.split("-")
    kept = ""
    for part in reversed(parts):
        candidate = part if not kept else f"{part}-{kept}"
        if cell_len(candidate) + 1 > width:
            break
        kept = candidate
    if not kept:
        kept = ticker[-(width - 1) :] if width > 1 else ""
    return ELLIPSIS + kept
