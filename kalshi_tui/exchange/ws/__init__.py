"""The simulator's WebSocket stream, `/trade-api/ws/v2` (Kalshi's AsyncAPI)."""
