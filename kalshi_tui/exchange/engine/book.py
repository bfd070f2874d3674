"""One market's order book: YES bids and NO bids, price-time priority.

Each side maps a price (that side's own price) to a FIFO `Level`; a sorted list of live prices
gives the best bid as its last element. Canceled or filled orders leave their deque lazily
(they are skipped when reached) so a cancel is O(1) apart from dropping an emptied level.
"""

from __future__ import annotations

import bisect
import contextlib
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kalshi_tui.exchange.engine.model import Order


class Level:
    __slots__ = ("orders", "total")

    def __init__(self) -> None:
        self.orders: deque[Order] = deque()
        self.total = 0
        """Sum of the remaining counts of the live orders."""

    def front(self) -> Order | None:
        """First live order, dropping dead ones from the front."""
        orders = self.orders
        while orders:
            order = orders[0]
            if order.on_book:
                return order
            orders.popleft()
        return None

    def live(self) -> Iterator[Order]:
        return (order for order in self.orders if order.on_book)


class BookSide:
    __slots__ = ("levels", "prices")

    def __init__(self) -> None:
        self.levels: dict[int, Level] = {}
        self.prices: list[int] = []
        """Ascending; the best bid is last."""

    def best(self) -> int | None:
        return self.prices[-1] if self.prices else None

    def add(self, price: int, order: Order) -> None:
        level = self.levels.get(price)
        if level is None:
            level = Level()
            self.levels[price] = level
            bisect.insort(self.prices, price)
        level.orders.append(order)
        level.total += order.remaining

    def reduce(self, price: int, amount: int) -> None:
        """Take ``amount`` off the level total (the order itself was already updated)."""
        level = self.levels[price]
        level.total -= amount
        if level.total <= 0:
            del self.levels[price]
            index = bisect.bisect_left(self.prices, price)
            del self.prices[index]

    def remove(self, price: int, order: Order) -> None:
        """Take a live order out of its level for good, queue and total: it is moving
        (an amend to a new price or a larger size). Lazy deletion is not enough there,
        because the order is back on the book and would still count as live here."""
        level = self.levels[price]
        with contextlib.suppress(ValueError):
            level.orders.remove(order)
        self.reduce(price, order.remaining)

    def depth(self, limit: int = 0) -> tuple[tuple[int, int], ...]:
        """(price, total) ascending; ``limit`` > 0 keeps the best ``limit`` levels."""
        prices = self.prices[-limit:] if limit > 0 else self.prices
        return tuple((price, self.levels[price].total) for price in prices)

    def queue_ahead(self, order: Order) -> int:
        level = self.levels.get(order.own_price)
        if level is None:
            return 0
        ahead = 0
        for other in level.orders:
            if other is order:
                return ahead
            if other.on_book:
                ahead += other.remaining
        return 0


class Book:
    __slots__ = ("no", "yes")

    def __init__(self) -> None:
        self.yes = BookSide()
        self.no = BookSide()

    def side(self, is_yes: bool) -> BookSide:
        return self.yes if is_yes else self.no
