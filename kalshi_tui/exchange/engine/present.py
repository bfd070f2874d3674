"""Frozen views of the engine's records, built on the way out."""

from __future__ import annotations

from decimal import Decimal

from kalshi_tui.exchange.engine import agents, history
from kalshi_tui.exchange.engine.accounts import Account, Position
from kalshi_tui.exchange.engine.grids import GRIDS
from kalshi_tui.exchange.engine.lifecycle import settlement_value
from kalshi_tui.exchange.engine.model import Event, Market, Order, OrderGroup, Series
from kalshi_tui.exchange.engine.state import State
from kalshi_tui.exchange.engine.views import (
    PRICE_SCALE,
    BalanceView,
    EventPositionView,
    EventView,
    MarketView,
    OrderGroupView,
    OrderView,
    PositionView,
    SeriesView,
    ShardBalance,
)

_EXPIRY_DELAY_MS = 300_000
_LATEST_EXPIRY_MS = 7 * 24 * 3_600_000


def quotes(state: State, market: Market) -> tuple[int, int, int, int]:
    """(best YES bid, its size, best NO bid, its size); 0s for an empty side."""
    book = market.book
    if book is None:
        if market.status != "active" or not state.agents_enabled:
            return 0, 0, 0, 0
        cached = state.quote_cache.get(market.ticker)
        if cached is None:
            ladder = agents.initial_ladder(state, market, levels=1)
            yes = max(((p, c) for y, p, c in ladder if y), default=(0, 0))
            no = max(((PRICE_SCALE - p, c) for y, p, c in ladder if not y), default=(0, 0))
            cached = (yes[0], yes[1], no[0], no[1])
            state.quote_cache[market.ticker] = cached
        return cached
    yes_best = book.yes.best()
    no_best = book.no.best()
    return (
        yes_best or 0,
        book.yes.levels[yes_best].total if yes_best is not None else 0,
        no_best or 0,
        book.no.levels[no_best].total if no_best is not None else 0,
    )


def market_view(state: State, market: Market) -> MarketView:
    yes_bid, yes_size, no_bid, no_size = quotes(state, market)
    last = history.last_price(state, market)
    prev_price, prev_bid, prev_ask = history.price_at(state, market, state.now_ms - history.DAY_MS)
    series = state.series[market.series_ticker]
    return MarketView(
        ticker=market.ticker,
        event_ticker=market.event_ticker,
        series_ticker=market.series_ticker,
        market_type="binary",
        title=market.title,
        subtitle=market.subtitle,
        yes_sub_title=market.yes_sub_title,
        no_sub_title=market.no_sub_title,
        category=series.category,
        status=market.status,
        result=market.result,
        created_ms=market.created_ms,
        open_ms=market.open_ms,
        close_ms=market.close_ms,
        expected_expiration_ms=market.close_ms + _EXPIRY_DELAY_MS,
        expiration_ms=market.close_ms + _LATEST_EXPIRY_MS,
        latest_expiration_ms=market.close_ms + _LATEST_EXPIRY_MS,
        settlement_timer_seconds=market.settlement_timer_seconds,
        determination_ms=market.determination_ms,
        settlement_ms=market.settlement_ms,
        updated_ms=market.updated_ms,
        can_close_early=False,
        yes_bid=yes_bid,
        yes_ask=PRICE_SCALE - no_bid if no_bid else PRICE_SCALE,
        no_bid=no_bid,
        no_ask=PRICE_SCALE - yes_bid if yes_bid else PRICE_SCALE,
        yes_bid_size=yes_size,
        yes_ask_size=no_size,
        last_price=last,
        previous_yes_bid=prev_bid,
        previous_yes_ask=prev_ask if prev_price else 0,
        previous_price=prev_price,
        volume=market.volume,
        volume_24h=history.volume_24h(state, market),
        open_interest=market.open_interest,
        notional_value=PRICE_SCALE,
        settlement_value=settlement_value(market.result) if market.result else None,
        strike_type=market.strike_type,
        floor_strike=Decimal(market.floor_strike) if market.floor_strike else None,
        cap_strike=Decimal(market.cap_strike) if market.cap_strike else None,
        rules_primary=market.rules_primary,
        rules_secondary=(
            "The market closes early if the outcome is known before the close time."
            if market.strike_type == "custom"
            else ""
        ),
        price_level_structure=market.price_level_structure,
        price_ranges=GRIDS[market.price_level_structure],
        exchange_index=market.exchange_index,
    )


def series_view(series: Series) -> SeriesView:
    return SeriesView(
        ticker=series.ticker,
        frequency=series.frequency,
        title=series.title,
        category=series.category,
        tags=series.tags,
        settlement_sources=((series.source_name, series.source_url),),
        contract_url=f"{series.source_url}/contract",
        contract_terms_url=f"{series.source_url}/terms",
        fee_type=series.fee_type,
        fee_multiplier=Decimal(series.fee_multiplier.numerator)
        / Decimal(series.fee_multiplier.denominator),
        exchange_index=series.exchange_index,
    )


def event_view(state: State, event: Event) -> EventView:
    series = state.series[event.series_ticker]
    return EventView(
        event_ticker=event.event_ticker,
        series_ticker=event.series_ticker,
        title=event.title,
        sub_title=event.sub_title,
        category=series.category,
        settlement_sources=((series.source_name, series.source_url),),
        mutually_exclusive=event.mutually_exclusive,
        collateral_return_type="MECNET" if event.mutually_exclusive else "",
        strike_date_ms=event.strike_date_ms,
        strike_period=None,
        market_tickers=tuple(event.market_tickers),
        exchange_index=event.exchange_index,
    )


def order_view(state: State, order: Order) -> OrderView:
    queue = 0
    if order.on_book:
        book = state.markets[order.ticker].book
        assert book is not None
        queue = book.side(order.is_yes).queue_ahead(order)
    return OrderView(
        order_id=order.order_id,
        user_id=order.user_id,
        client_order_id=order.client_order_id,
        ticker=order.ticker,
        event_ticker=state.markets[order.ticker].event_ticker,
        side=order.side,
        action=order.action,
        outcome_side="yes" if order.is_yes else "no",
        book_side="bid" if order.is_yes else "ask",
        type=order.order_type,
        time_in_force=order.time_in_force,
        status=order.status,
        yes_price=order.yes_price,
        no_price=PRICE_SCALE - order.yes_price,
        initial_count=order.initial_count,
        fill_count=order.fill_count,
        remaining_count=order.remaining,
        taker_fill_count=order.taker_fill_count,
        maker_fill_count=order.maker_fill_count,
        taker_fees=order.taker_fees,
        maker_fees=order.maker_fees,
        taker_fill_cost=order.taker_fill_cost,
        maker_fill_cost=order.maker_fill_cost,
        created_ms=order.created_ms,
        last_update_ms=order.last_update_ms,
        last_update_reason=order.last_update_reason,
        expiration_ms=order.expiration_ms,
        self_trade_prevention_type=order.self_trade_prevention_type,
        order_group_id=order.order_group_id,
        cancel_order_on_pause=order.cancel_order_on_pause,
        post_only=order.post_only,
        reduce_only=order.reduce_only,
        queue_position=queue,
        exchange_index=state.markets[order.ticker].exchange_index,
    )


def position_view(ticker: str, pos: Position) -> PositionView:
    return PositionView(
        ticker=ticker,
        event_ticker=pos.event_ticker,
        position=pos.signed,
        total_traded=pos.total_traded,
        market_exposure=pos.exposure,
        realized_pnl=pos.realized_pnl,
        fees_paid=pos.fees_paid,
        volume=pos.volume,
        resting_orders_count=pos.resting_orders,
        last_updated_ms=pos.last_updated_ms,
        exchange_index=pos.shard,
    )


def event_position_views(account: Account) -> list[EventPositionView]:
    grouped: dict[str, list[Position]] = {}
    for ticker in sorted(account.positions):
        pos = account.positions[ticker]
        if pos.volume:
            grouped.setdefault(pos.event_ticker, []).append(pos)
    return [
        EventPositionView(
            event_ticker=event_ticker,
            total_cost=sum(p.exposure for p in rows),
            total_cost_shares=sum(p.yes + p.no for p in rows),
            event_exposure=sum(p.exposure for p in rows),
            realized_pnl=sum(p.realized_pnl for p in rows),
            fees_paid=sum(p.fees_paid for p in rows),
        )
        for event_ticker, rows in grouped.items()
    ]


def balance_view(state: State, account: Account, shard: int | None = None) -> BalanceView:
    """The whole account (``shard`` None) or one shard; the breakdown lists every shard the
    account holds money or positions on (shard 0 always)."""
    values: dict[int, int] = {}
    for ticker, pos in account.positions.items():
        if pos.yes or pos.no:
            yes_bid, _, no_bid, _ = quotes(state, state.markets[ticker])
            values[pos.shard] = values.get(pos.shard, 0) + pos.yes * yes_bid + pos.no * no_bid
    indexes = sorted({0, *account.wallets, *values})
    breakdown = tuple(
        ShardBalance(
            exchange_index=index,
            balance=account.wallets[index].available if index in account.wallets else 0,
            locked=account.wallets[index].locked if index in account.wallets else 0,
            portfolio_value=values.get(index, 0),
        )
        for index in indexes
    )
    scoped = [row for row in breakdown if shard is None or row.exchange_index == shard]
    return BalanceView(
        balance=sum(row.balance for row in scoped),
        locked=sum(row.locked for row in scoped),
        portfolio_value=sum(row.portfolio_value for row in scoped),
        updated_ms=account.updated_ms,
        breakdown=breakdown,
    )


def group_view(group: OrderGroup) -> OrderGroupView:
    return OrderGroupView(
        order_group_id=group.order_group_id,
        user_id=group.user_id,
        contracts_limit=group.contracts_limit,
        matched_count=group.matched,
        is_auto_cancel_enabled=True,
        triggered=group.triggered,
        order_ids=tuple(group.order_ids),
        created_ms=group.created_ms,
        exchange_index=group.exchange_index,
    )
