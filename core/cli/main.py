"""The `xner` command line: one entry point, subcommands per job.

Every `XnerError` (bad config, malformed data, unknown component) becomes one readable line and exit
status 2 instead of a traceback, because the user needs the `path:line` or YAML path, not our stack.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import Terminated, XnerError, stop_on_signals
from ..plugins import load_plugins
from . import data, experiments, misc, models, report, search, store
from .examples import add_examples

if TYPE_CHECKING:
    pass

log = logging.getLogger("xner")

# every command group's parser-adder, in the order `xner --help` lists them (DVC's COMMANDS list)
COMMANDS = (data.add_commands, misc.add_components, experiments.add_commands, store.add_commands,
            search.add_commands, report.add_commands, models.add_commands, misc.add_demo)


def _version() -> str:
    """xner's version as installed, with torch's build: what a bug report needs first."""
    from importlib.metadata import PackageNotFoundError, version

    from ..runner.stored import xner_version

    own = xner_version()
    try:
        torch_version = version("torch")
    except PackageNotFoundError:
        torch_version = "absent"
    return f"{own} (torch {torch_version})"


def build_parser() -> argparse.ArgumentParser:
    """The parser over every command group (DVC's habit): each module of `COMMANDS` adds its own."""
    parser = argparse.ArgumentParser(
        prog="xner",
        description="Run, ablate and tune zero-resource cross-lingual NER methods.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--version", action="version", version=f"xner {_version()}",
                        help="the installed xner version, and torch's, with its CUDA build")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add_commands in COMMANDS:
        add_commands(sub)
    add_examples(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    load_plugins()  # every component, before the parser lists their names
    args = build_parser().parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    for handler in logging.getLogger().handlers:  # the terminal's level, whatever the full log takes
        handler.setLevel(level)
    if not args.verbose:  # one progress view of ours, not a "Loading weights" bar per model load
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    try:
        with stop_on_signals():
            return int(args.func(args))
    except XnerError as err:
        log.error("%s", err)
        return 2
    except KeyboardInterrupt as stop:
        what = "terminated (SIGTERM)" if isinstance(stop, Terminated) else "interrupted"
        log.error("%s: every finished node is in the store, MLflow runs are closed as KILLED; run the "
                  "same command to resume", what)
        return 143 if isinstance(stop, Terminated) else 130


def entry() -> None:
    """The `xner` command. After Ctrl-C or SIGTERM it leaves with os._exit once its own cleanup is
    done: a signal landing inside a library's ThreadPoolExecutor.submit can leave a worker thread
    that interpreter shutdown waits for forever (seen once in 20 interrupted runs)."""
    code = main()
    if code in (130, 143):
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
