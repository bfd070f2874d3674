"""kalshi_tui.ui.widgets package."""
