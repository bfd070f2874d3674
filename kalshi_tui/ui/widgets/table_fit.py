"""A DataTable whose columns fit its width (`fit_columns`), refitted on every resize."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable

from kalshi_tui.domain.store import Snapshot
from kalshi_tui.ui.widgets.fit_columns import Fit, FitColumn, Reduce, fit_columns, short_ticker

UNLIMITED = 10_000
"""The width to fit to before the pane has been laid out (then every column is shown)."""


class FittedTable(DataTable[Text]):
    """Rows are given with every column (`fill`); the table shows those that fit."""

    FIT_COLUMNS: ClassVar[tuple[FitColumn, ...]] = ()
    FIT_REDUCTIONS: ClassVar[tuple[Reduce, ...]] = ()

    _fit: Fit | None = None
    _last: tuple[Snapshot, float] | None = None

    def show(self, snapshot: Snapshot, now: float) -> None:
        raise NotImplementedError

    def _remember(self, snapshot: Snapshot, now: float) -> None:
        self._last = (snapshot, now)

    def on_resize(self, event: events.Resize) -> None:
        if self._last is not None:
            self.show(*self._last)

    def fit_width(self) -> int:
        """Cells the columns may take: the content width, less a vertical scrollbar."""
        width = self.size.width
        if width <= 0:
            return UNLIMITED
        if self.row_count + 1 > self.size.height:
            width -= self.styles.scrollbar_size_vertical
        return width

    def compact_cell(self, key: str, cell: Text) -> Text:
        """The compact form of a cell in column `key` (a pane with a "compact" step says)."""
        return cell

    @property
    def shown_fit(self) -> Fit | None:
        """How the columns are shown now."""
        return self._fit

    def fill(self, rows: Sequence[tuple[str, tuple[Text, ...]]]) -> None:
        """Replace the rows (each with a cell for every column of FIT_COLUMNS)."""
        keys = [column.key for column in self.FIT_COLUMNS]
        widths = dict.fromkeys(keys, 0)
        compact_widths = dict.fromkeys(keys, 0)
        for _row_key, cells in rows:
            for key, cell in zip(keys, cells, strict=True):
                widths[key] = max(widths[key], cell_len(cell.plain))
                compact = cell_len(self.compact_cell(key, cell).plain)
                compact_widths[key] = max(compact_widths[key], compact)
        fit = fit_columns(
            self.FIT_COLUMNS,
            widths,
            self.fit_width(),
            self.FIT_REDUCTIONS,
            compact_widths=compact_widths,
            padding=self.cell_padding,
        )
        cursor_key = self._cursor_key()
        if fit != self._fit or not self.columns:
            self.clear(columns=True)
            for column in fit.columns:
                self.add_column(fit.label(column), key=column.key)
            self._fit = fit
        else:
            self.clear()
        index = {key: i for i, key in enumerate(keys)}
        for row_key, cells in rows:
            shown: list[Text] = []
            for column in fit.columns:
                cell = cells[index[column.key]]
                if column.key in fit.compact:
                    cell = self.compact_cell(column.key, cell)
                if column.key == "ticker" and fit.ticker_width is not None:
                    cell = _retext(cell, short_ticker(cell.plain, fit.ticker_width))
                shown.append(cell)
            self.add_row(*shown, key=row_key)
        if cursor_key is not None and cursor_key in self.rows:
            self.move_cursor(row=self.get_row_index(cursor_key))

    def _cursor_key(self) -> str | None:
        """The row key under the cursor, to restore it after a rebuild."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value


def _retext(cell: Text, plain: str) -> Text:
    """`cell` with other text, in its style."""
    if plain == cell.plain:
        return cell
    return Text(plain, style=cell.style, justify=cell.justify)
