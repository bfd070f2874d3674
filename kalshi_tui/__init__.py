"""kalshi-tui: a keyboard-driven terminal for trading on Kalshi."""

__version__ = "0.1.0"
