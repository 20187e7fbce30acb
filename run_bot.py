"""Start Pathway: `python run_bot.py chat`, `ask`, `kb check`, `socket` or `serve`."""

import os
import sys

from bot.channels.cli import main

if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `run_bot.py kb check | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
