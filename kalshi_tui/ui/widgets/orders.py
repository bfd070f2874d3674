"""Resting orders: market, side and action, price, fill progress and age.

Fill progress reads "4/10" followed by a small bar so a partly filled order is
visible at a glance. The price is shown in the order's own side (a NO order at
54¢ reads "NO 54¢"), because that is what the trader typed. Newest orders first.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from rich.style import Style
from rich.text import Text

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.models import Order
from kalshi_tui.domain.store import Snapshot
from kalshi_tui.ui.widgets.feed_state import apply_feed_state, feed_staleness
from kalshi_tui.ui.widgets.fit_columns import FitColumn, Reduce
from kalshi_tui.ui.widgets.table_fit import FittedTable

FEED = "portfolio"
"""Health key of the poller that feeds this pane (orders are polled with the portfolio)."""

PROGRESS_CELLS = 5
"""Width of the fill-progress bar."""

COLUMNS: tuple[FitColumn, ...] = (
    FitColumn("ticker", "Market", "Mkt"),
    FitColumn("order", "Order", "Order"),
    FitColumn("price", "Price", "Price"),
    FitColumn("filled", "Filled", "Fill"),
    FitColumn("left", "Left", "Left"),
    FitColumn("age", "Age", "Age"),
)

REDUCTIONS: tuple[Reduce, ...] = (
    Reduce("short"),
    Reduce("compact", "filled"),
    Reduce("ticker"),
    Reduce("drop", "left"),
    Reduce("drop", "age"),
)
"""What gives way when the pane is narrow, in order: headers, the fill bar (the count
stays), the ticker, then Left (Filled says it too) and Age."""


def fill_progress(filled: Decimal, total: Decimal, cells: int = PROGRESS_CELLS) -> str:
    """ "4/10 ██░░░": filled over total and a bar rounded down to whole cells."""
    bar = ""
    if total > 0:
        # Clamped both ways: an exchange reporting a negative fill must not ask for
        # millions of cells (it froze the app for half a minute).
        done = int(max(Decimal(0), min(filled / total, Decimal(1))) * cells)
        bar = "█" * done + "░" * (cells - done)
    return f"{fmt.count(filled)}/{fmt.count(total)} {bar}".rstrip()


def order_age(created: datetime | None, now: float) -> str:
    """Age of an order from its creation time; "—" when the exchange did not say."""
    return fmt.MISSING if created is None else fmt.age(now - created.timestamp())


class OrdersPane(FittedTable):
    """Resting-orders table. Call `show(snapshot, now)` on store changes."""

    BINDING_GROUP_TITLE = "Orders"

    SNAPSHOT_FIELDS: ClassVar[frozenset[str]] = frozenset({"orders", "health"})
    """Snapshot fields this pane renders; ages change with time too, so also `show` on a tick."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"orders--buy", "orders--sell", "orders--partial"}

    DEFAULT_CSS = """
    OrdersPane {
        border: round $primary;
        height: 1fr;
    }
    OrdersPane > .orders--buy { color: $success; }
    OrdersPane > .orders--sell { color: $error; }
    OrdersPane > .orders--partial { color: $warning; }
    OrdersPane.-stale {
        color: $text-disabled;
        border: round $foreground 25%;
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(cursor_type="row", name=name, id=id, classes=classes)
        self._shown: object = None
        apply_feed_state(self, "Orders", None)

    FIT_COLUMNS = COLUMNS
    FIT_REDUCTIONS = REDUCTIONS

    def compact_cell(self, key: str, cell: Text) -> Text:
        """Filled without its bar: "4/10"."""
        if key != "filled":
            return cell
        return Text(cell.plain.split(" ")[0], style=cell.style, justify=cell.justify)

    def show(self, snapshot: Snapshot, now: float) -> None:
        """Redraw when orders, their ages or staleness changed; otherwise return at once."""
        stale = feed_staleness(snapshot, FEED, now)
        orders = sorted(
            snapshot.orders,
            key=lambda o: o.created_time.timestamp() if o.created_time else 0.0,
            reverse=True,
        )
        # Ages are part of the key in their displayed form, so a once-a-second tick
        # repaints only when a shown age actually changes.
        ages = tuple(order_age(o.created_time, now) for o in orders)
        key = (tuple(orders), ages, stale, self.fit_width())
        if key == self._shown:
            return
        self._shown = key
        self._remember(snapshot, now)

        count = len(orders)
        apply_feed_state(self, f"Orders ({count})" if count else "Orders", stale)
        styled = stale is None
        self.fill(
            [(o.order_id, self._row(o, age, styled)) for o, age in zip(orders, ages, strict=True)]
        )

    def _style(self, component: str, styled: bool) -> Style:
        """A component class's style (theme colours from DEFAULT_CSS), or none while stale."""
        return self.get_component_rich_style(component) if styled else Style.null()

    def _row(self, order: Order, age: str, styled: bool) -> tuple[Text, ...]:
        partial = 0 < order.fill_count < order.initial_count
        return (
            Text(order.ticker),
            Text(
                f"{order.action.upper()} {order.side.upper()}",
                style=self._style(f"orders--{order.action}", styled),
            ),
            Text(f"{order.side.upper()} {fmt.cents(order.price)}", justify="right"),
            Text(
                fill_progress(order.fill_count, order.initial_count),
                style=self._style("orders--partial", styled and partial),
            ),
            Text(fmt.count(order.remaining_count), justify="right"),
            Text(age, justify="right"),
        )
