"""kalshi_tui.api package."""
