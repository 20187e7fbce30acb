"""Start Pathway: `python run_bot.py chat`, `ask`, `kb check`, `socket` or `serve`."""

import sys

from bot.channels.cli import main

if __name__ == "__main__":
    sys.exit(main())
