"""The HTTP face of the simulated exchange: a Starlette app under `/trade-api/v2`.

`create_app` (in `app.py`) builds it from an engine, a clock, a wire profile, fault and
rate-limit configuration. Nothing here imports the rest of kalshi_tui: clients talk to the
simulator over HTTP exactly as they talk to Kalshi.
"""
