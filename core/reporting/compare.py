"""`xner compare`: rebuild an ablation table from the tracking server alone.

Nothing local is read: seed runs carry `variant`, `language` and `seed` tags and their final metrics,
and the parent run carries the row and column order, so a table made on one machine can be rebuilt
on any other that sees the same tracking server.
"""

from __future__ import annotations

import difflib
import logging
import math
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import XnerError
from ..plugins import TABLE_FORMATS
from ..tracking.names import LEVEL, PARENT, ROOT
from . import published as pub
from .tables import AblationTable, ablation_table

log = logging.getLogger(__name__)


class RunNotFoundError(XnerError, LookupError):
    """No run or experiment matches what `xner compare` was given."""


def _client(uri: str) -> Any:
    """A client for an existing store only: MLflow would create an empty sqlite database (or mlruns
    folder) at a mistyped path and then report 'not found' against it, leaving the file behind."""
    from mlflow import MlflowClient

    local = next((uri.removeprefix(p) for p in ("sqlite:///", "file://") if uri.startswith(p)), None)
    if local is not None and not Path(local).exists():
        raise RunNotFoundError(f"tracking URI {uri}: {local} does not exist, so nothing was ever logged "
                               "there (check --tracking-uri or $MLFLOW_TRACKING_URI)")
    return MlflowClient(tracking_uri=uri)


def _all_experiments(client: Any) -> list[str]:
    return [e.experiment_id for e in client.search_experiments()]


def _seeds_under(client: Any, run: Any) -> list[Any]:
    """Seed runs below a parent, group or seed run."""
    level = run.data.tags.get(LEVEL)
    exp = [run.info.experiment_id]
    if level == "seed":
        return [run]
    key = ROOT if level == "parent" else PARENT
    found = client.search_runs(exp, f"tags.`{key}` = '{run.info.run_id}' and tags.`{LEVEL}` = 'seed'",
                               max_results=50000)
    return list(found)


TABLE_COMMANDS = ("ablate", "search")  # the commands whose parent run holds a table of several rows


def _command(run: Any) -> str:
    return (run.data.tags.get("xner.command") or (run.info.run_name or "").split(":", 1)[0]).split(":")[0]


def describe(run: Any) -> str:
    """`ablate run 1f2e… of 2026-12-07 18:40 (FINISHED)`: which run a table was built from."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(run.info.start_time / 1000))
    return f"{_command(run) or '?'} run {run.info.run_id} of {when} ({run.info.status})"


def find_parent(client: Any, name_or_id: str) -> Any:
    """A run id, else the newest parent run of `name_or_id` (its run name or experiment name) that
    an `ablate` or a `search` made, since only those hold a table of several rows; a `run` is taken
    only when nothing else matches. The choice is logged with its date and command, and the other
    candidates are listed when there are several (`--run-id` picks one)."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_run(name_or_id)
    except MlflowException:  # not a run id (unknown or malformed): look it up as a name
        log.debug("%r is not a run id; looking it up as a name", name_or_id)
    exps = _all_experiments(client)
    flt = f"tags.`{LEVEL}` = 'parent'"
    candidates = [r for r in client.search_runs(exps, flt, order_by=["attributes.start_time DESC"],
                                                max_results=5000)
                  if name_or_id in (r.info.run_name, r.data.tags.get("mlflow.runName"))
                  or (r.info.run_name or "").split("@")[0].split(":", 1)[-1] == name_or_id]
    exp = client.get_experiment_by_name(name_or_id)
    if exp is not None:
        candidates += list(client.search_runs([exp.experiment_id], flt,
                                              order_by=["attributes.start_time DESC"], max_results=200))
    candidates = list({r.info.run_id: r for r in candidates}.values())
    if not candidates:
        raise RunNotFoundError(f"no run id, parent run name or experiment called {name_or_id!r} on "
                               f"{client.tracking_uri} ({len(exps)} experiment(s) searched)")
    candidates.sort(key=lambda r: r.info.start_time, reverse=True)
    tables = [r for r in candidates if _command(r) in TABLE_COMMANDS]
    chosen = (tables or candidates)[0]
    log.info("%s: using the %s", name_or_id, describe(chosen))
    if not tables:
        log.warning("%s: no ablate or search run found, so the table has the rows of one `xner run`",
                    name_or_id)
    others = [r for r in candidates if r is not chosen]
    if others:
        log.info("%d other run(s) match %r (pass one with --run-id):\n%s", len(others), name_or_id,
                 "\n".join(f"  {describe(r)}" for r in others[:10]))
    return chosen


def runs_frame(seed_runs: Sequence[Any]) -> pd.DataFrame:
    rows = []
    for r in seed_runs:
        tags, metrics = r.data.tags, r.data.metrics
        ok = r.info.status == "FINISHED"
        row = {"variant": tags.get("variant", "?"), "lang": tags.get("language", "?"),
               "seed": int(tags.get("seed", -1)), "run_id": r.info.run_id}
        for k, v in metrics.items():
            if "/" not in k:  # per-stage curves stay in the UI
                row[k] = float(v) if ok else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def check_metric(frame: pd.DataFrame, metric: str) -> None:
    """An unknown metric is named with the ones the runs have, not a KeyError deep in pandas."""
    known = sorted(c for c in frame.columns if c not in ("variant", "lang", "seed", "run_id"))
    if metric not in known:
        overall = [k for k in known if not re.search(r"_(precision|recall|f1)_", k)]
        close = difflib.get_close_matches(metric, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise RunNotFoundError(f"--metric {metric!r}: the seed runs have no such metric{hint} They have "
                               f"{', '.join(overall)} (and per type, e.g. test_f1_PER)")


def seed_runs(uri: str, name_or_id: str | None = None, runs: Sequence[str] = ()
              ) -> tuple[Any, Any, list[Any]]:
    """(client, the run that orders the table, its seed runs)."""
    client = _client(uri)
    if runs:
        picked = [client.get_run(r) for r in runs]
        return client, picked[0], [s for r in picked for s in _seeds_under(client, r)]
    if not name_or_id:
        raise RunNotFoundError("give a run id or name, or --runs")
    parent = find_parent(client, name_or_id)
    return client, parent, _seeds_under(client, parent)


def compare(uri: str, name_or_id: str | None = None, runs: Sequence[str] = (), metric: str = "test_f1"
            ) -> AblationTable:
    client = _client(uri)
    if runs:
        picked = [client.get_run(r) for r in runs]
        seeds = [s for r in picked for s in _seeds_under(client, r)]
        order_source = picked[0]
    else:
        if not name_or_id:
            raise RunNotFoundError("give a run id or name, or --runs")
        parent = find_parent(client, name_or_id)
        seeds = _seeds_under(client, parent)
        order_source = parent
    if not seeds:
        raise RunNotFoundError(f"run {order_source.info.run_id} has no seed runs below it")
    frame = runs_frame(seeds)
    check_metric(frame, metric)
    tags = order_source.data.tags
    variants = [v for v in tags.get("xner.variants", "").split("|") if v in set(frame["variant"])]
    langs = [x for x in tags.get("xner.langs", "").split("|") if x in set(frame["lang"])]
    missing_v = [v for v in dict.fromkeys(frame["variant"]) if v not in variants]
    missing_l = [x for x in dict.fromkeys(frame["lang"]) if x not in langs]
    table = ablation_table(frame, metric=metric, variant_order=variants + missing_v,
                           lang_order=langs + missing_l)
    table.published = pub.from_tag(tags.get(pub.TAG))
    table.notes = incomplete(order_source, frame)
    for note in table.notes:
        log.warning("%s", note)
    return table


def incomplete(parent: Any, frame: pd.DataFrame) -> list[str]:
    """What the table does not cover: a parent that did not finish, cells with fewer finished seeds
    than the command ran (a mean over 1 of 2 seeds must say so)."""
    notes = []
    status = parent.info.status
    if status != "FINISHED":
        why = parent.data.tags.get("xner.orphaned", "")
        notes.append(f"run {parent.info.run_id} is {status}, not FINISHED: the table is incomplete"
                     + (f" ({why})" if why else ""))
    expected = [s for s in parent.data.tags.get("xner.seeds", "").split("|") if s]
    if expected:
        for (variant, lang), cell in frame.groupby(["variant", "lang"], sort=False):
            ok = int(cell["test_f1"].notna().sum()) if "test_f1" in cell else 0
            if ok < len(expected):
                notes.append(f"{variant} / {lang}: {ok} of {len(expected)} seeds finished")
        for variant in [v for v in parent.data.tags.get("xner.variants", "").split("|") if v]:
            for lang in [x for x in parent.data.tags.get("xner.langs", "").split("|") if x]:
                if not ((frame["variant"] == variant) & (frame["lang"] == lang)).any():
                    notes.append(f"{variant} / {lang}: 0 of {len(expected)} seeds finished")
    return notes


def render(table: AblationTable, fmt: str) -> str:
    """The table in a registered format (`plugins.TABLE_FORMATS`: md, csv, html, latex, plug-ins)."""
    return TABLE_FORMATS.get(fmt)(table)
