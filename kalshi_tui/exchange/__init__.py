"""kalshi_tui.exchange package."""
