"""Exceptions with messages a researcher can act on without reading a traceback."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class XnerError(Exception):
    """Base class: the CLI prints these as one line and exits 2 instead of a traceback."""


class ConfigError(XnerError, ValueError):
    """An experiment config is invalid; the message starts with the YAML path, e.g. `selection.ratio`."""


class DataFormatError(XnerError, ValueError):
    """A data file is malformed; the message is `path:line: what was expected`."""

    def __init__(self, path: str | Path, line: int, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.detail = message
        super().__init__(f"{path}:{line}: {message}")


class StoreError(XnerError, OSError):
    """The store folder cannot be used (a file in the way, no permission); the message names the
    `store:` setting and the path."""


class UnknownComponentError(XnerError, KeyError):
    """A component name is not registered; the message lists the known names and the closest match."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message with quotes
        return str(self.args[0])


class Pruned(XnerError):
    """A search trial that its pruner stopped between epochs: the run ends as pruned, not failed,
    and the node that was training is discarded, never stored as finished."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (Slurm's time limit, `kill`), raised where Python is, so the run ends as Ctrl-C does:
    partial node removed, runs closed as KILLED, one line."""


_STOP: list[int] = []  # the signal that asked this process to stop, until stop_on_signals() ends


def _on_signal(signum: int, _frame: object) -> None:
    _STOP.append(signum)
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def check_stop() -> None:
    """Raise again a Ctrl-C or SIGTERM that a library swallowed.

    A signal landing in a weakref callback or a `__del__` (SQLAlchemy's registry, seen in CI) is
    printed as "Exception ignored" and lost, and the run would go on to the end; the training loop and
    the node loops call this, so the stop is honoured at the next batch or node.
    """
    if _STOP:
        raise Terminated() if _STOP[0] == signal.SIGTERM else KeyboardInterrupt()


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM (Slurm, `kill`) ends the run as Ctrl-C does; both are remembered for `check_stop`.
    SIGINT keeps being ignored where the shell ignores it (`nohup ... &`)."""
    wanted = [signal.SIGTERM]
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        wanted.append(signal.SIGINT)
    previous = {s: signal.signal(s, _on_signal) for s in wanted}
    hook = sys.unraisablehook
    sys.unraisablehook = _quiet_stop(hook)
    _STOP.clear()
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        sys.unraisablehook = hook
        _STOP.clear()


def _quiet_stop(default: Any) -> Any:
    """The interpreter prints "Exception ignored in ... Traceback ... KeyboardInterrupt" for a signal
    that lands in a weakref callback or a `__del__`; that stop is remembered and raised again by
    `check_stop`, so its traceback is noise. Every other unraisable exception is reported as before."""

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt) and _STOP:
            return
        default(unraisable)

    return hook


class MissingDataFileError(XnerError, FileNotFoundError):
    """The data file does not exist; `filename` keeps the path and the message lists its folder."""

    def __init__(self, path: Path) -> None:
        hint = ""
        if path.parent.is_dir():
            names = sorted(p.name for p in path.parent.iterdir())[:10]
            hint = f"; {path.parent} holds: {', '.join(names) or 'nothing'}"
        elif str(path.parent) not in ("", "."):
            hint = f"; the folder {path.parent} does not exist either"
        super().__init__(2, f"{path}: no such data file{hint}", str(path))

    def __str__(self) -> str:
        return str(self.strerror)
