"""What a search leaves behind, with no Optuna in it: the study's MLflow run, each trial's run closed
with its state, and the best trial written out as an experiment that `extends:` the original.

`core/search/study.py` (the only module that imports optuna) calls these with plain values, so the MLflow
layout of a study is readable here in one place:

    search:<study>            xner.level=study   space, sampler, pruner; plots; best value; best.yaml
      trial #n                xner.level=parent  sampled values, objective, xner.trial_state
        <variant> · <lang>    xner.level=group
          ... · seed k        xner.level=seed    per-epoch curves, final metrics
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ..config.loader import parse_override
from ..tracking.experiments import experiment_id

log = logging.getLogger(__name__)

STUDY_TAG, TRIAL_TAG, STATE_TAG = "xner.study", "xner.trial", "xner.trial_state"


def redact(location: str) -> str:
    """A storage URL without its password, fit for a tag or a log line."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", location)


def _client(uri: str) -> Any:
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri)


def open_study_run(uri: str, experiment: str, study: str, location: str, space: Mapping[str, Any]) -> str:
    """The study's parent run: `mlflow run`'s own run when there is one, else a new run."""
    from mlflow.entities import Param, RunTag

    client = _client(uri)
    outer = os.environ.get("MLFLOW_RUN_ID")
    if outer:
        run_id = outer
    else:
        exp_id = experiment_id(client, experiment, uri)
        run_id = client.create_run(exp_id, run_name=f"search:{study}").info.run_id
    tags = {"xner.level": "study", STUDY_TAG: study, "xner.storage": redact(location),
            "xner.command": "search"}
    params = {f"space.{k}": str(v)[:500] for k, v in space.items()}
    client.log_batch(run_id, tags=[RunTag(k, v) for k, v in tags.items()],
                     params=[Param(k, v) for k, v in params.items()])
    return run_id


def close_trial_run(uri: str, run_id: str, state: str, values: Mapping[str, Any],
                    metrics: Mapping[str, float], error: str | None = None, status: str | None = None,
                    attempts: int = 3) -> None:
    """A trial's run after Optuna has its state: the sampled values as params, the objective (mean
    target-dev F1) and the mean test F1 as metrics, the state as a tag; not FINISHED unless COMPLETE.

    Tried `attempts` times (1 s, 2 s apart): on SIGTERM every worker closes its run at once, and a
    sqlite store under load answers one of them "database is locked"; idempotent, so a retry is safe."""
    for attempt in range(attempts):
        try:
            _close_trial_run(uri, run_id, state, values, metrics, error, status)
            return
        except Exception as exc:
            if attempt == attempts - 1:
                raise
            log.debug("closing run %s: %s; retrying", run_id, exc)
            time.sleep(1 + attempt)


def _close_trial_run(uri: str, run_id: str, state: str, values: Mapping[str, Any],
                     metrics: Mapping[str, float], error: str | None, status: str | None) -> None:
    from mlflow.entities import Metric, Param, RunTag

    client = _client(uri)
    run = client.get_run(run_id)
    have = run.data.params
    params = [Param(k, str(v)) for k, v in values.items() if k not in have]
    client.log_batch(run_id, params=params, tags=[RunTag(STATE_TAG, state)],
                     metrics=[Metric(k, float(v), 0, 0) for k, v in metrics.items()])
    if error:
        client.log_text(run_id, error, "trial_error.txt")
    status = status or {"COMPLETE": "FINISHED", "PRUNED": "KILLED"}.get(state, "FAILED")
    if run.info.status != status:
        client.set_terminated(run_id, status)


def close_study_run(uri: str, run_id: str, summary: Mapping[str, float], best: Mapping[str, Any] | None,
                    files: Sequence[Path], finished: bool) -> None:
    """Counts, the best trial, plots and best.yaml on the study's run; FINISHED once no trial is
    waiting or running anywhere (another worker's command closes it otherwise)."""
    from mlflow.entities import Metric, RunTag

    client = _client(uri)
    tags = [RunTag(f"xner.best_{k}", str(v)) for k, v in (best or {}).items()]
    client.log_batch(run_id, metrics=[Metric(k, float(v), 0, 0) for k, v in summary.items()], tags=tags)
    for f in files:
        client.log_artifact(run_id, str(f), "search" if f.suffix == ".yaml" else "plots")
    if finished and run_id != os.environ.get("MLFLOW_RUN_ID"):
        client.set_terminated(run_id, "FINISHED")


def nested(values: Mapping[str, Any]) -> dict[str, Any]:
    """{"a.b.c": 1} -> {"a": {"b": {"c": 1}}}."""
    tree: dict[str, Any] = {}
    for dotted, value in values.items():
        node = tree
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return tree


def write_best(original: str | Path, out: str | Path, overrides: Sequence[str], values: Mapping[str, Any],
               header: str) -> Path:
    """A ready-to-run experiment: `extends:` the original (a path relative to the new file), then
    the command's `--set` overrides and the best trial's values. Written to a temporary file and
    renamed, so a reader never sees half of it."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    settings = dict(parse_override(o) for o in overrides)
    settings.update(values)
    doc = {"extends": os.path.relpath(Path(original).resolve(), out.parent.resolve()), **nested(settings)}
    text = "".join(f"# {line}\n" for line in header.splitlines())
    text += yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, out)
    return out
