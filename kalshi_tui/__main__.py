"""`python -m kalshi_tui` runs the same entry point as the `kalshi-tui` script."""

import sys

from kalshi_tui.cli import main

if __name__ == "__main__":
    sys.exit(main())
