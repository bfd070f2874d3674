"""kalshi_tui.journal package."""
