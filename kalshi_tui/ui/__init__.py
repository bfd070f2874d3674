"""kalshi_tui.ui package."""
