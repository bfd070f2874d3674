"""Command palette provider: go to any market by ticker or title."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from kalshi_tui.ui.app import TerminalApp

MAX_HITS = 50


class MarketCommands(Provider):
    """`Go to <ticker>` for every market the session knows."""

    @property
    def _terminal(self) -> TerminalApp:
        return cast("TerminalApp", self.app)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app = self._terminal
        hits = 0
        for market in app.session.store.snapshot.markets:
            text = f"Go to {market.ticker}  {market.title}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    partial(app.select_market, market.ticker),
                    help=market.title,
                )
                hits += 1
                if hits >= MAX_HITS:
                    return

    async def discover(self) -> Hits:
        app = self._terminal
        from kalshi_tui.ui.widgets.market_table import MarketTable

        favourites = app.query_one(MarketTable).favourites
        for ticker in sorted(favourites)[:MAX_HITS]:
            yield DiscoveryHit(
                f"Go to {ticker}", partial(app.select_market, ticker), help="favourite"
            )
