"""The `xner` command line and the MLproject entry points: argparse only, one module per command
group, each calling a plain function of `commands`, `search` or `reporting`.

May import anything in `core`. `main.entry` loads every component (`plugins.load_plugins`).
"""

from .main import build_parser, entry, main

__all__ = ["build_parser", "entry", "main"]
