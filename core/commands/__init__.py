"""The plain functions behind the commands: `run`/`ablate`, `analyze`, `demo`, `track`, `store gc`.
Each is callable from Python, with no argparse in sight.

May import: `reporting` and everything below it.
"""
