"""Tracking that can neither block nor lose training.

* `check_tracking`: the URI is checked in seconds before anything trains (a server that does not
  answer /health, a sqlite file in a read-only folder), and a fresh sqlite database is created under
  a file lock, so two commands starting together do not race on mlflow's schema.
* `Recorder`: the runner's hooks. Every outcome goes first to the store's journal
  (`<store>/.journal/<id>.json`, rewritten atomically), then to MLflow; the first MLflow error
  switches tracking off for the rest of the command with one warning, and training goes on.
* `mark_orphans`: parent runs left RUNNING by a dead process (kill -9, a lost machine) are closed
  as KILLED on the next start, with the reason and the new run that found them.
* `replay` (`xner track`): rebuilds the MLflow records of journalled commands from the store,
  idempotently, so a command that ran with `--no-track` or lost its server loses nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import socket
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.locks import process_alive
from ..errors import ConfigError

if TYPE_CHECKING:
    from ..engine.graph import Node
    from ..runner.experiment import Experiment, Outcome, Target
    from .epochs import EpochLogger
    from .tracker import MlflowTracker

log = logging.getLogger(__name__)

JOURNAL = ".journal"
# mlflow's defaults retry a dead server for ~4 minutes per call (7 retries, backoff 2, 120 s timeout)
_HTTP_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
                  "MLFLOW_HTTP_REQUEST_TIMEOUT": "20"}


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def check_tracking(uri: str, timeout: float = 5.0) -> None:
    """Fail in seconds, naming the URI, where tracking could not work; create a new sqlite database
    under a lock. Also caps mlflow's HTTP retries (unless the user set them) so that a server lost
    mid-run costs seconds, not minutes, before tracking is switched off."""
    for k, v in _HTTP_DEFAULTS.items():
        os.environ.setdefault(k, v)
    hint = ("; start it, point --tracking-uri / MLFLOW_TRACKING_URI elsewhere, or run with --no-track "
            "(then `xner track EXPERIMENT` logs the results from the store)")
    if uri.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(f"{uri.rstrip('/')}/health", timeout=timeout) as resp:
                if resp.status != 200:
                    raise ConfigError(f"tracking URI {uri}: /health answered {resp.status}{hint}")
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ConfigError(f"tracking URI {uri} is unreachable ({reason}){hint}") from None
        return
    if uri.startswith("sqlite:///"):
        db = Path(uri.removeprefix("sqlite:///"))
        folder = db.parent if str(db.parent) else Path(".")
        if not folder.is_dir():
            raise ConfigError(f"tracking URI {uri}: the folder {folder} does not exist{hint}")
        try:  # a real write: root passes os.access on a read-only file system
            if db.exists():
                open(db, "ab").close()
            else:
                tempfile.TemporaryFile(dir=folder).close()
        except OSError as exc:
            where = db if db.exists() else folder
            raise ConfigError(f"tracking URI {uri}: cannot write {where} ({exc.strerror}){hint}") from None
        from mlflow import MlflowClient

        with _locked(folder / f".{db.name}.lock"):  # mlflow creates its tables on first use
            MlflowClient(tracking_uri=uri).search_experiments(max_results=1)


class Journal:
    """What one command did, in the store: enough to rebuild its MLflow records without MLflow."""

    def __init__(self, store_root: str | Path, record: dict[str, Any]) -> None:
        self.record = record
        self.path = Path(store_root) / JOURNAL / f"{record['id']}.json"

    @classmethod
    def start(cls, store_root: str | Path, **fields: Any) -> Journal:
        ident = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"
        record = {"id": ident, "host": socket.gethostname(), "pid": os.getpid(), "status": "running",
                  "started": time.time(), "outcomes": [], "summary": None, **fields}
        journal = cls(store_root, record)
        journal.save()
        return journal

    @classmethod
    def load(cls, path: Path) -> Journal:
        return cls(path.parent.parent, json.loads(path.read_text()))

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp-{os.getpid()}")
        tmp.write_text(json.dumps(self.record, indent=1, default=str))
        os.replace(tmp, self.path)

    def add(self, outcome: Outcome) -> None:
        t = outcome.target
        self.record["outcomes"].append({
            "variant": t.variant, "lang": t.lang, "seed": t.seed, "node": t.node.key,
            "ran": [n.key for n in outcome.ran], "cached": [n.key for n in outcome.cached],
            "error": outcome.error})
        self.save()

    def set(self, **fields: Any) -> None:
        self.record.update(fields)
        self.save()


def _ident(t: Target) -> tuple[str, str, int]:
    return (t.variant, t.lang, t.seed)


class Recorder:
    """The runner's hooks: the journal always, MLflow while it works."""

    def __init__(self, journal: Journal, tracker: MlflowTracker | None) -> None:
        self.journal = journal
        self.tracker = tracker
        self.error: str | None = None  # why tracking stopped, if it did
        self.runs: dict[tuple[str, str, int], str] = {}  # seed runs opened for targets still training
        # called on every epoch outside the tracking guard, so that what they raise (a search
        # trial's Pruned) stops the run: (exp, target, node, epoch, metrics)
        self.listeners: list[Any] = []

    def guard(self, what: str, fn: Any, *args: Any) -> None:
        """Run `fn`; its first failure switches tracking off for the rest of the command."""
        try:
            fn(*args)
        except Exception as exc:  # MLflow down, disk full...: the run must not die of it
            self.error = f"{what}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            log.warning("tracking stopped (%s); training goes on, the store keeps every result, and "
                        "`xner track` logs them once the server is back", self.error)
            self.tracker = None
            self.journal.set(tracking_error=self.error)

    def track(self, what: str, method: str, *args: Any) -> None:
        """`tracker.<method>(*args)` while tracking works."""
        if self.tracker is not None:
            self.guard(what, getattr(self.tracker, method), *args)

    def target_started(self, exp: Experiment, target: Target) -> None:
        if self.tracker is not None:
            self.guard("seed run", lambda: self.runs.__setitem__(
                _ident(target), self.tracker.target_started(exp, target)))  # type: ignore[union-attr]

    def epoch_done(self, exp: Experiment, target: Target, node: Node, epoch: int,
                   metrics: dict[str, float]) -> None:
        from .names import stage_key

        run = self.runs.get(_ident(target))
        if run is not None:
            self.track("epoch", "epoch_done", run, stage_key(node, target.seed), node.key, epoch, metrics)
        for listen in self.listeners:
            listen(exp, target, node, epoch, metrics)

    def worker_epoch_logger(self, target: Target, node: Node) -> EpochLogger | None:
        """How a worker process logs the epochs of `node`, trained for `target`, to its seed run."""
        from .epochs import EpochLogger
        from .names import stage_key

        run = self.runs.get(_ident(target))
        if not run or self.tracker is None:
            return None
        return EpochLogger(self.tracker.uri, run, stage_key(node, target.seed))

    def target_done(self, exp: Experiment, outcome: Outcome) -> None:
        self.journal.add(outcome)
        self.runs.pop(_ident(outcome.target), None)
        self.track("seed run", "target_done", exp, outcome)

    def group_done(self, exp: Experiment, variant: str, lang: str, outcomes: list[Outcome]) -> None:
        self.track("group run", "group_done", exp, variant, lang, outcomes)


def mark_orphans(tracker: MlflowTracker) -> list[str]:
    """Close the parent runs of this experiment whose command died without closing them (and their
    open groups and seeds) as KILLED, saying which process and which new run found it."""
    from .names import HEARTBEAT, HOST, LEVEL, PID, PID_START, ROOT
    from .tracker import ORPHAN_AFTER_S

    client, here, now = tracker.client, socket.gethostname(), time.time()
    found = client.search_runs([tracker.experiment_id],
                               f"attributes.status = 'RUNNING' and tags.`{LEVEL}` = 'parent'",
                               max_results=1000)
    closed = []
    for run in found:
        tags = run.data.tags
        if run.info.run_id == tracker.parent_id or PID not in tags:
            continue
        host, pid = tags.get(HOST, "?"), int(tags[PID])
        if host == here:
            if process_alive(pid, tags.get(PID_START, "")):
                continue
            reason = f"process {pid} on {host} ended without closing this run"
        else:
            beat = float(tags.get(HEARTBEAT, run.info.start_time / 1000))
            if now - beat < ORPHAN_AFTER_S:
                continue
            reason = f"no heartbeat from process {pid} on {host} for {(now - beat) / 60:.0f} min"
        reason += f"; marked KILLED by run {tracker.parent_id} at {time.strftime('%Y-%m-%d %H:%M:%S')}"
        children = client.search_runs([tracker.experiment_id], f"attributes.status = 'RUNNING' and "
                                      f"tags.`{ROOT}` = '{run.info.run_id}'", max_results=10000)
        for r in [*children, run]:
            client.set_tag(r.info.run_id, "xner.orphaned", reason)
            client.set_terminated(r.info.run_id, "KILLED")
        log.warning("run %s (%s) was left RUNNING: %s", run.info.run_id, run.info.run_name, reason)
        closed.append(run.info.run_id)
    return closed
