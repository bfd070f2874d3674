"""Pure domain logic: models, money, P&L, risk, trading state and the state store. No I/O."""
