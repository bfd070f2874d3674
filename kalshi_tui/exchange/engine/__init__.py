"""The matching engine of the embedded simulated Kalshi exchange.

Pure Python, no I/O: the HTTP layer (`kalshi_tui.exchange.http`) calls `Exchange` and formats
its views. Units of every view (see `views` for the details):

* prices: ints in units of $0.0001 (`PRICE_SCALE` = 10 000 = $1), always the YES price unless
  the field says ``no_``;
* counts: ints in units of 0.01 contract (`COUNT_SCALE` = 100 = one contract);
* money: ints in units of $0.000001 (`MONEY_SCALE` = 1 000 000 = $1), so price × count is
  exact; a fill's fee keeps the balance on whole cents (`kalshi_tui.fee_rounding`);
* times: epoch milliseconds (``*_ms``), candle ``end_period_ts`` epoch seconds.

`BalanceView.balance` is the available cash (cash minus collateral locked by resting orders).
"""

from kalshi_tui.exchange.engine.exchange import Exchange, TimeLike
from kalshi_tui.exchange.engine.views import (
    COUNT_SCALE,
    MONEY_SCALE,
    PRICE_SCALE,
    Action,
    AmendResult,
    BalanceView,
    BookSide,
    BookView,
    CancelResult,
    Candle,
    EventPositionView,
    EventView,
    ExchangeError,
    ExchangeStatusView,
    FeeType,
    FillView,
    MarketResult,
    MarketStamp,
    MarketStatus,
    MarketView,
    Ohlc,
    OrderGroupView,
    OrderInput,
    OrderStatus,
    OrderView,
    PositionView,
    PriceRange,
    SelfTradePrevention,
    SeriesView,
    SettlementView,
    ShardBalance,
    Side,
    TimeInForce,
    TradeView,
    TransferView,
)

__all__ = [
    "COUNT_SCALE",
    "MONEY_SCALE",
    "PRICE_SCALE",
    "Action",
    "AmendResult",
    "BalanceView",
    "BookSide",
    "BookView",
    "CancelResult",
    "Candle",
    "EventPositionView",
    "EventView",
    "Exchange",
    "ExchangeError",
    "ExchangeStatusView",
    "FeeType",
    "FillView",
    "MarketResult",
    "MarketStamp",
    "MarketStatus",
    "MarketView",
    "Ohlc",
    "OrderGroupView",
    "OrderInput",
    "OrderStatus",
    "OrderView",
    "PositionView",
    "PriceRange",
    "SelfTradePrevention",
    "SeriesView",
    "SettlementView",
    "ShardBalance",
    "Side",
    "TimeInForce",
    "TimeLike",
    "TradeView",
    "TransferView",
]
