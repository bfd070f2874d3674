"""kalshi_tui.domain package."""
