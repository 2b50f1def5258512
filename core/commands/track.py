"""`xner track EXPERIMENT`: write the MLflow records of journalled commands from the store.

A command that ran with `--no-track`, lost its tracking server, or was killed leaves a journal in the
store (`<store>/.journal/`). Replaying it rebuilds the same graph (same keys: same code, config, data
and the precision the command resolved), reads every result from the store, and logs the parent,
group and seed runs exactly as the command would have; runs it had already logged are found by
their `xner.invocation` and `xner.target` tags and kept, so a replay is idempotent.
"""

from __future__ import annotations

import logging
import socket
from collections import Counter
from pathlib import Path

from .. import runner
from ..engine.graph import topological
from ..errors import XnerError
from ..tracking.journal import JOURNAL, Journal, check_tracking

log = logging.getLogger(__name__)


class ReplayError(XnerError, RuntimeError):
    """A journal cannot be replayed (its nodes are not those the store holds for it)."""


def journals(experiment: str | Path, store: str | Path, include_tracked: bool = False) -> list[Journal]:
    """The journals of this experiment file in the store, oldest first."""
    target = str(Path(experiment).resolve())
    found = []
    for path in sorted((Path(store) / JOURNAL).glob("*.json")):
        j = Journal.load(path)
        if j.record.get("experiment") == target and (include_tracked or not j.record.get("tracked")):
            found.append(j)
    return found


def _still_running(j: Journal) -> bool:
    from ..engine.locks import process_alive

    rec = j.record
    return (rec["status"] == "running" and rec["host"] == socket.gethostname()
            and process_alive(int(rec["pid"]), ""))


def replay(j: Journal, tracking_uri: str | None = None) -> str | None:
    """Log one journal's runs; returns the parent run id (None when the command is still running)."""
    from ..tracking.tracker import MlflowTracker
    from ..tracking.uri import resolve_tracking_uri
    from .run import make_table

    rec = j.record
    if _still_running(j):
        log.warning("journal %s: the command (pid %s) is still running; not replayed", rec["id"], rec["pid"])
        return None
    uri = resolve_tracking_uri(tracking_uri or rec["tracking"].get("uri"))
    check_tracking(uri)
    exp = runner.build(rec["experiment"], rec["overrides"], rec["variants"], include_base=rec["include_base"],
                       only_seeds=rec["only_seeds"] or None, precision=rec["precision"])
    targets = {(t.variant, t.lang, t.seed): t for t in exp.targets}
    tr = rec["tracking"]
    tracker = MlflowTracker(uri, tr["experiment"], tr["run_name"], rec["command"], rec["experiment"],
                            tags=tr["tags"], invocation=rec["id"], parent_id=rec.get("parent_run"),
                            replay=True, nest_under=tr.get("nest_under"))
    j.set(parent_run=tracker.parent_id)
    sizes = Counter((t.variant, t.lang) for t in exp.targets)
    groups: dict[tuple[str, str], list[runner.Outcome]] = {}
    results: runner.Results = {}
    store = exp.store
    for o in rec["outcomes"]:
        t = targets.get((o["variant"], o["lang"], o["seed"]))
        if t is None or t.node.key != o["node"]:
            raise ReplayError(f"journal {j.path}: {o['variant']}/{o['lang']}/seed {o['seed']} was node "
                              f"{o['node']}, but the experiment now builds "
                              f"{t.node.key if t else 'no such target'} (code, config or data changed)")
        nodes = {n.key: n for n in topological([t.node])}
        out = runner.Outcome(t, [nodes[k] for k in o["ran"] if k in nodes],
                             [nodes[k] for k in o["cached"] if k in nodes], error=o["error"])
        if out.ok:
            out.result = store.manifest(t.node.stage, t.node.key)["result"]
        tracker.target_done(exp, out)
        results.setdefault((t.variant, t.lang), []).append(runner.result_row(out))
        group = groups.setdefault((t.variant, t.lang), [])
        group.append(out)
        if len(group) == sizes[(t.variant, t.lang)]:
            tracker.group_done(exp, t.variant, t.lang, group)
    status = {"finished": "FINISHED", "failed": "FAILED"}.get(rec["status"], "KILLED")
    if rec["status"] == "finished" and rec.get("summary"):
        s = rec["summary"]
        tracker.log_summary(s["ran"], s["cached"], s["naive"], s["seconds"], s["training"],
                            s["naive_training"])
        table = make_table(exp, results, rec["metric"], rec["ablate"])
        if table is not None:
            tracker.log_table(table)
    tracker.finish(status=status, log_file=j.path.with_suffix(".log"))  # the command's full log
    j.set(tracked=True)
    log.info("journal %s replayed into parent run %s (%d seed runs, status %s)", rec["id"],
             tracker.parent_id, len(rec["outcomes"]), status)
    return tracker.parent_id
