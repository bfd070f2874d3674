"""kalshi_tui.services package."""
