"""kalshi_tui.ui.screens package."""
