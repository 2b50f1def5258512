"""Grid progress with an ETA weighted by what each stage costs.

A TransAdv grid's nodes differ by two orders of magnitude (a selection takes a second, Θsrc minutes),
so "12 of 40 nodes" says little about the time left. The ETA sums, over the nodes still to build, the
mean seconds this run measured for that stage; a stage not measured yet is priced from `PRIOR`, the
relative costs measured on the demo grid, scaled by the stages that were. One line of it goes on the
tqdm bar on a terminal, and every `every_s` seconds into the log when the output is a file (nohup,
Slurm), where a bar would only print its final state."""

from __future__ import annotations

import logging
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tqdm.auto import tqdm

from .graph import Node
from .store import Partial

log = logging.getLogger(__name__)

# seconds per node of each stage relative to Θsrc, measured on the demo's Table 3 grid (2 CPU cores)
PRIOR = {"encoder": 0.05, "translate": 0.05, "source": 1.0, "teacher": 0.35, "pseudo_label": 0.1,
         "select": 0.01, "distill": 1.2, "evaluate": 0.1}


def fmt_seconds(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else \
        f"{seconds // 60}m{seconds % 60:02d}s"


class GridProgress:
    """Counts the nodes a run builds, times each, and prices the rest. `running` holds a line per
    node being built (`describe`), set by the executor."""

    def __init__(self, to_build: Iterable[Node], every_s: float = 30.0, tty: bool | None = None,
                 workers: int = 1) -> None:
        self.workers = max(1, workers)
        self.left: dict[str, int] = defaultdict(int)
        for node in to_build:
            self.left[node.stage] += 1
        self.total = sum(self.left.values())
        self.done = 0
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self.running: list[str] = []
        self.every_s = every_s
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.started = time.monotonic()
        self._last_line = self.started
        self._node_start: float | None = None

    def start(self, node: Node) -> None:
        self._node_start = time.monotonic()

    def update(self, running: list[str]) -> None:
        self.running = running
        self.maybe_log()

    def finish(self, node: Node, seconds: float | None = None) -> None:
        if seconds is None and self._node_start is not None:
            seconds = time.monotonic() - self._node_start
        if self.left.get(node.stage, 0) > 0:
            self.left[node.stage] -= 1
        self.done += 1
        if seconds is not None:
            self.seconds[node.stage].append(seconds)
        self.maybe_log()

    def _cost(self, stage: str) -> float | None:
        if self.seconds.get(stage):
            return statistics.fmean(self.seconds[stage])
        scale = [statistics.fmean(v) / PRIOR[s] for s, v in self.seconds.items() if v and PRIOR.get(s)]
        if not scale:
            return None
        return statistics.fmean(scale) * PRIOR.get(stage, 1.0)

    def parallel(self) -> float:
        """How many nodes' worth of work a wall second does: node-seconds finished per second
        elapsed, between 1 and the executor's `workers` (Ray's slots: a grid's first nodes are a
        chain, its middle as wide as the workers)."""
        busy = sum(sum(v) for v in self.seconds.values())
        elapsed = time.monotonic() - self.started
        return min(float(self.workers), max(1.0, busy / elapsed if elapsed > 0 else 1.0))

    def eta(self) -> float | None:
        """Wall seconds left, or None before any node was timed."""
        total = 0.0
        for stage, n in self.left.items():
            if n:
                cost = self._cost(stage)
                if cost is None:
                    return None
                total += n * cost
        return total / self.parallel()

    def line(self) -> str:
        eta = self.eta()
        queued = max(0, self.total - self.done - len(self.running))
        parts = [f"{self.done}/{self.total} nodes ({len(self.running)} running, {queued} queued)",
                 f"elapsed {fmt_seconds(time.monotonic() - self.started)}",
                 f"ETA {fmt_seconds(eta)}" if eta is not None else "ETA after the first node"]
        if self.running and self.done < self.total:
            parts.append("now " + "; ".join(self.running))
        return " | ".join(parts)

    def maybe_log(self) -> None:
        """The plain progress line, at most every `every_s`, when no terminal shows the bar."""
        now = time.monotonic()
        if not self.tty and now - self._last_line >= self.every_s:
            self._last_line = now
            log.info("progress: %s", self.line())


def progress_bits(part: Partial | None, now: float | None = None) -> list[str]:
    """How far a node being built has got: ['epoch 2/3', 'dev F1 45.30', '1m02s']."""
    if part is None:
        return []
    p, bits = part.progress, []
    if isinstance(p.get("epoch"), int):
        bits.append(f"epoch {p['epoch']}/{p['epochs']}" if p.get("epochs") else f"epoch {p['epoch']}")
    if isinstance(p.get("dev_f1"), (int, float)):
        bits.append(f"dev F1 {p['dev_f1']:.2f}")
    bits.append(fmt_seconds((time.time() if now is None else now) - part.since))
    return bits


def describe(node: Node, variant: str, part: Partial | None, host: bool = False) -> str:
    """One running node as the live view shows it:
    'w/o Θentity es seed 3 · teacher[context] · epoch 2/3 · dev F1 45.30 · 1m02s [· on host:pid]'."""
    seed = f"seed {node.seed}" if node.seed is not None else ""
    who = " ".join(x for x in (variant, node.lang or "", seed) if x)
    bits = [who, node.name, *progress_bits(part)]
    if host and part is not None:
        bits.append(f"on {part.host}:{part.pid}")
    return " · ".join(b for b in bits if b)


class LiveView:
    """The terminal's one live display: a bar over the grid's nodes with done / running / queued and
    the stage-weighted ETA, and under it a line per node being built (variant, language, seed, stage,
    epoch, last dev F1, time). Disabled when stderr is not a terminal: `GridProgress` then logs a
    plain line at a fixed interval instead."""

    def __init__(self, total: int, max_lines: int = 8) -> None:
        # tqdm's own remaining time assumes equal nodes: the postfix carries the weighted ETA instead
        self.bar = tqdm(total=total, desc="nodes", unit="node", disable=None, dynamic_ncols=True,
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                                   "[{elapsed}{postfix}]")
        self.lines: list[tqdm] = []
        self.max_lines = max_lines

    @property
    def enabled(self) -> bool:
        return not self.bar.disable

    def show(self, prog: GridProgress, running: list[str]) -> None:
        if not self.enabled:
            return
        eta = prog.eta()
        queued = max(0, self.bar.total - self.bar.n - len(running))
        self.bar.set_postfix_str(f"{len(running)} running, {queued} queued, ETA "
                                 f"{fmt_seconds(eta) if eta is not None else '?'}", refresh=False)
        shown = running[:self.max_lines]
        if len(running) > self.max_lines:
            shown[-1] = f"... and {len(running) - self.max_lines + 1} more"
        while len(self.lines) > len(shown):  # from the bottom, so the others keep their rows
            self.lines.pop().close()
        while len(self.lines) < len(shown):
            self.lines.append(tqdm(total=0, bar_format="  {desc}", position=len(self.lines) + 1,
                                   leave=False, disable=None, dynamic_ncols=True))
        for line, text in zip(self.lines, shown, strict=True):
            line.set_description_str(text, refresh=False)
        self.bar.refresh()
        for line in self.lines:
            line.refresh()

    def advance(self) -> None:
        self.bar.update()

    def close(self) -> None:
        while self.lines:
            self.lines.pop().close()
        if self.enabled:
            self.bar.set_postfix_str(f"{self.bar.n} done", refresh=False)
        self.bar.close()


class _FullLog(logging.Filter):
    """xner's own records at every level; other libraries' from INFO up (their DEBUG is noise)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.startswith("xner") or record.levelno >= logging.INFO


def open_full_log(path: Path) -> logging.Handler:
    """Every record of this command into `path`, xner's DEBUG included when every console handler
    has a level of its own (the CLI sets one), so the terminal stays as quiet as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.addFilter(_FullLog())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root, ours = logging.getLogger(), logging.getLogger("xner")
    handler.previous = ours.level  # type: ignore[attr-defined]
    if root.handlers and all(h.level != logging.NOTSET for h in root.handlers):
        ours.setLevel(logging.DEBUG)
    root.addHandler(handler)
    return handler


def close_full_log(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)
    logging.getLogger("xner").setLevel(getattr(handler, "previous", logging.NOTSET))
    handler.close()


@contextmanager
def logging_above_bars() -> Iterator[None]:
    """tqdm's `logging_redirect_tqdm` (log lines print above the bar instead of through it), with
    each replacement handler keeping the level of the console handler it replaces: the full log
    opens xner's loggers to DEBUG, and the terminal must stay at INFO."""
    from tqdm.contrib.logging import logging_redirect_tqdm

    root = logging.getLogger()
    before = list(root.handlers)
    with logging_redirect_tqdm():
        removed = [h for h in before if h not in root.handlers]
        level = min((h.level for h in removed if h.level != logging.NOTSET), default=logging.NOTSET)
        for handler in root.handlers:
            if handler not in before:
                handler.setLevel(level)
        yield
