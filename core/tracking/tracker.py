"""MLflow tracking: the one writer of the run tree (epochs.py adds a Ray task's curves to its runs).

Run tree (DESIGN.md): one parent run per `xner run`/`ablate` invocation; under it one run per
variant x language whose metrics are the mean and std over seeds; under that one run per seed with
every stage's per-epoch curve (`source/dev_f1`, `teacher_entity/dev_f1`, ... step = epoch), the final
metrics, and the resolved YAML, predictions and seqeval report as artifacts.

Everything is logged from the stage manifests in the store *after* a seed's graph finished, so a seed
whose stages were all cache hits gets exactly the record a fresh run would (its curves are the cached
node's), and the tags say which stages were hits. Every run carries `xner.root_run`, the parent's id,
so `xner compare` can rebuild a table from the tracking server alone.

Every run also carries `xner.invocation` (the store's journal of the command, core/tracking/journal.py) and
`xner.target` (variant|language[|seed]): a replay (`xner track`) finds what an interrupted or
untracked command already logged and adds only what is missing. The parent carries the host, pid and
a heartbeat, so a later command can tell a run whose process died from one still going.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import tempfile
import threading
import time
import traceback
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..config.loader import ExperimentConfig, flatten, to_yaml
from ..engine.graph import topological
from ..engine.hashing import file_sha256
from ..engine.locks import process_start
from ..errors import Pruned
from ..runner.experiment import row_name
from ..stages.checks import read_params, unread_settings
from . import names as tag  # the run tags' names: tag.LEVEL, tag.ROOT, ...
from .experiments import experiment_id
from .models import log_seed_model
from .names import LABEL_QUALITY, finite, model_tags, order_tag, selection_values, stage_key
from .ui import NOTE_TAG, prepare_experiment, run_note, run_url
from .uri import git_commit

if TYPE_CHECKING:
    import pandas as pd

    from ..runner.experiment import Experiment, Outcome

log = logging.getLogger(__name__)


class LoggableTable(Protocol):
    """What `log_table` needs of a table (reporting.tables.AblationTable has it): tracking sits below
    reporting and takes the table it is given."""

    metric: str
    reference: str

    def to_long(self) -> pd.DataFrame: ...

    def to_markdown(self) -> str: ...

    def save(self, out_dir: str | Path) -> dict[str, Path]: ...


HEARTBEAT_S = 60.0  # how often a live command stamps its parent run
ORPHAN_AFTER_S = 900.0  # a parent from another host with no heartbeat for this long is dead
TERMINAL = ("FINISHED", "FAILED", "KILLED")
_BATCH = 100  # mlflow's per-request limit on params and metrics


class MlflowTracker:
    """Implements `runner.Hooks`: seed runs as targets finish, group runs when a group is complete.

    `replay=True` (xner track) looks every run up by its invocation and target before creating it:
    a finished one is left alone, a half-written one is deleted and written again, so replaying a
    journal twice changes nothing."""

    def __init__(self, uri: str, experiment: str, run_name: str, command: str,
                 experiment_file: str | Path, tags: Mapping[str, str] | None = None, *,
                 invocation: str = "", parent_id: str | None = None, replay: bool = False,
                 nest_under: str | None = None) -> None:
        import mlflow
        from mlflow import MlflowClient

        self._mlflow = mlflow
        self.uri = uri
        self.replay = replay
        self.invocation = invocation
        self.client = MlflowClient(tracking_uri=uri)
        self.experiment_file = Path(experiment_file)
        self.common = {"xner.experiment_file": str(self.experiment_file),
                       "xner.experiment_hash": file_sha256(self.experiment_file)[:16],
                       "xner.git_commit": git_commit(), "xner.command": command,
                       tag.INVOCATION: invocation, **(tags or {})}
        self.parent_done = False
        outer = os.environ.get("MLFLOW_RUN_ID")  # set by `mlflow run`: that run is our parent
        if parent_id and self._exists(parent_id):
            self.parent_id = parent_id
            parent = self.client.get_run(parent_id)
            self.experiment_id = parent.info.experiment_id
            self.owns_parent = parent.data.tags.get(tag.PID) is not None
            self.parent_done = parent.info.status in TERMINAL
        elif nest_under:  # a search trial: its run hangs below the study's run
            self.experiment_id = self.client.get_run(nest_under).info.experiment_id
            self.parent_id = self.client.create_run(self.experiment_id, run_name=run_name,
                                                    tags={tag.PARENT: nest_under}).info.run_id
            self.owns_parent = True
        elif outer:
            self.parent_id = outer
            self.experiment_id = self.client.get_run(outer).info.experiment_id
            self.owns_parent = False
        else:
            self.experiment_id = self._experiment(experiment)
            self.parent_id = self.client.create_run(self.experiment_id, run_name=run_name).info.run_id
            self.owns_parent = True
        prepare_experiment(self.client, self.experiment_id)
        if not self.parent_done:
            self.client.log_batch(self.parent_id, tags=self._tags({**self.common, tag.LEVEL: "parent",
                                                                  **self._process_tags()}))
        self._groups: dict[tuple[str, str], str] = {}
        self._seeds: dict[tuple[str, str, int], str] = {}  # seed runs opened before their stages ran
        self._seed_runs: dict[tuple[str, str, int], str] = {}  # every seed run logged, for log_models
        self._live: dict[str, set[str]] = {}  # seed run -> node keys whose curves were logged live
        self._closed: set[str] = set()
        self._beat: threading.Event | None = None
        log.info("tracking to %s, experiment %s, parent run %s", uri, experiment, self.parent_id)

    # -- plumbing -------------------------------------------------------------------------------
    def _process_tags(self) -> dict[str, str]:
        if not self.owns_parent or self.replay:
            return {}
        return {tag.HOST: socket.gethostname(), tag.PID: str(os.getpid()),
                tag.PID_START: process_start(os.getpid()), tag.HEARTBEAT: str(int(time.time()))}

    def _exists(self, run_id: str) -> bool:
        from mlflow.exceptions import MlflowException

        try:
            return self.client.get_run(run_id).info.lifecycle_stage == "active"
        except MlflowException:
            return False

    def _experiment(self, name: str) -> str:
        return experiment_id(self.client, name, self.uri)

    def _tags(self, tags: Mapping[str, Any]) -> list[Any]:
        from mlflow.entities import RunTag

        return [RunTag(k, str(v)) for k, v in tags.items()]

    def _log(self, run_id: str, params: Mapping[str, Any] | None = None,
             metrics: Iterable[tuple[str, float, int]] = (), tags: Mapping[str, Any] | None = None) -> None:
        from mlflow.entities import Metric, Param

        now = int(time.time() * 1000)
        ps = [Param(k, str(v)[:6000]) for k, v in (params or {}).items()]
        ms = [Metric(k, v, now, step) for k, v, step in metrics]
        for i in range(0, max(len(ps), len(ms), 1), _BATCH):
            self.client.log_batch(run_id, metrics=ms[i:i + _BATCH], params=ps[i:i + _BATCH],
                                  tags=self._tags(tags or {}) if i == 0 else [])

    def _find(self, target: str) -> Any | None:
        """The run this invocation already made for `target` (replay only)."""
        if not self.replay:
            return None
        found = self.client.search_runs(
            [self.experiment_id], f"tags.`{tag.INVOCATION}` = '{self.invocation}' and "
            f"tags.`{tag.TARGET}` = '{target}'", max_results=5)
        return found[0] if found else None

    def _run(self, name: str, parent: str, tags: Mapping[str, Any], reuse_open: bool = False
             ) -> tuple[str, bool]:
        """(run id, already complete): a terminal run of a replayed target is kept as it is; an open
        group is reused (its finished seed runs hang below it); an open seed run was half-written
        when tracking broke and is written again."""
        old = self._find(str(tags[tag.TARGET]))
        if old is not None:
            if old.info.status in TERMINAL:
                return old.info.run_id, True
            if reuse_open:
                return old.info.run_id, False
            self.client.delete_run(old.info.run_id)
        tags = {**self.common, **tags, tag.ROOT: self.parent_id, tag.PARENT: parent}
        tags = {k: str(v) for k, v in tags.items()}
        return self.client.create_run(self.experiment_id, run_name=name, tags=tags).info.run_id, False

    def _group(self, exp: Experiment, variant: str, lang: str) -> str:
        if (variant, lang) not in self._groups:
            cfg = exp.configs[variant]
            row = row_name(exp, variant)
            run, done = self._run(f"{row} · {lang}", self.parent_id,
                                  {tag.LEVEL: "group", "method": cfg.method, "variant": row, "language": lang,
                                   "seed": "all", tag.TARGET: f"{row}|{lang}",
                                   tag.ORDER: order_tag(exp, variant, lang)},
                                  reuse_open=True)
            self._groups[(variant, lang)] = run  # registered first: a signal during the params
            if not done:                         # below still finds it open and closes it KILLED
                self._log(run, params={**self._params(exp, variant, lang), "language": lang})
            else:
                self._closed.add(run)
        return self._groups[(variant, lang)]

    def _seed_run(self, exp: Experiment, t: Any, extra: Mapping[str, Any] | None = None) -> tuple[str, bool]:
        """The seed run of target `t` under its group: opened, or found (done) on a replay."""
        row, where = row_name(exp, t.variant), f"{t.lang}|{t.seed}"
        return self._run(f"{row} · {t.lang} · seed {t.seed}", self._group(exp, t.variant, t.lang),
                         {tag.LEVEL: "seed", "method": exp.configs[t.variant].method, "variant": row,
                          "language": t.lang, "seed": t.seed, **(extra or {}), tag.TARGET: f"{row}|{where}",
                          tag.ORDER: order_tag(exp, t.variant, t.lang, t.seed)})

    def _params(self, exp: Experiment, variant: str, lang: str) -> dict[str, Any]:
        """The variant's resolved config, less what its graph never reads (params tell the truth)."""
        nodes = topological([t.node for t in exp.targets if t.variant == variant and t.lang == lang])
        return read_params(flatten(exp.configs[variant]), unread_settings(exp.configs[variant], nodes))

    # -- runner.Hooks ---------------------------------------------------------------------------
    def target_started(self, exp: Experiment, target: Any) -> str:
        """Open the seed run before its stages train, so that their epochs appear as they happen."""
        t = target
        run, done = self._seed_run(exp, t)
        if not done:
            self._seeds[(t.variant, t.lang, t.seed)] = run  # registered before its params, as groups
            params = {**self._params(exp, t.variant, t.lang), "language": t.lang, "seed": t.seed}
            self._log(run, params=params)
        return run

    def epoch_done(self, run: str, prefix: str, node_key: str, epoch: int, metrics: Mapping[str, float]
                   ) -> None:
        """One epoch of a stage that trains for the run's target, logged as it happens."""
        self._log(run, metrics=[(f"{prefix}/{k}", v, epoch) for k, v in finite(metrics).items()
                                if k != "epoch"])
        self._live.setdefault(run, set()).add(node_key)

    def target_done(self, exp: Experiment, outcome: Outcome) -> None:
        t = outcome.target
        cfg: ExperimentConfig = exp.configs[t.variant]
        hits = sorted({n.name for n in outcome.cached if n.stage not in ("encoder", "translate")})
        tags = {"xner.cache_hits": ",".join(hits) or "none",
                "xner.stages_run": ",".join(sorted(n.name for n in outcome.ran)) or "none"}
        opened = self._seeds.pop((t.variant, t.lang, t.seed), None)
        if opened is not None:
            run, done = opened, False
            self._log(run, tags=tags)
        else:
            run, done = self._seed_run(exp, t, tags)
        if done:
            return
        live = self._live.pop(run, set()) | set(outcome.live)
        store = exp.store
        metrics: list[tuple[str, float, int]] = []
        selected: dict[str, dict[str, Any]] = {}  # per stage: the kept epoch and its scores
        evaluate_dir = None
        for node in topological([t.node]):
            if not store.has(node.stage, node.key):
                continue  # not reached before the failure
            result = store.manifest(node.stage, node.key)["result"]
            prefix = stage_key(node, t.seed)
            if isinstance(result, dict) and "best_epoch" in result:  # what selection kept, per stage
                best = selection_values(result)
                selected[prefix] = {"selection_metric": node.params["train"]["selection_metric"], **best}
                metric = "dev_f1" if "dev_f1" in best else "source_dev_f1"
                tags[f"xner.selection/{prefix}"] = (
                    f"epoch {result['best_epoch']} by {node.params['train']['selection_metric']}"
                    + (f", {metric} {best[metric]:.2f}" if metric in best else ""))
            curve = result.get("curve", []) if isinstance(result, dict) and node.key not in live else []
            for point in curve:
                step = int(point.get("epoch", 0))
                metrics += [(f"{prefix}/{k}", v, step) for k, v in finite(point).items() if k != "epoch"]
            if node.stage == "pseudo_label" and isinstance(result, dict):  # relabel quality (issue 25)
                metrics += [(f"{prefix}/{k}", v, 0) for k, v in finite(
                    {k: result[k] for k in LABEL_QUALITY if isinstance(result.get(k), (int, float))}).items()]
            if node is t.node:
                evaluate_dir = store.path(node.stage, node.key)
        if outcome.ok:
            metrics += [(k, v, 0) for k, v in finite(outcome.result).items()]
            tags.update(model_tags(t.node, store.root))
        params = {**self._params(exp, t.variant, t.lang), "language": t.lang, "seed": t.seed}
        self._log(run, params={} if opened else params, metrics=metrics, tags=tags)
        with tempfile.TemporaryDirectory() as tmp:
            resolved = Path(tmp) / "config.yaml"
            resolved.write_text(f"# variant {t.variant}, language {t.lang}, seed {t.seed}\n{to_yaml(cfg)}")
            self.client.log_artifact(run, str(resolved))
            if selected:  # one table, not a one-bar chart per value in the run's charts
                table = Path(tmp) / "selection.json"
                table.write_text(json.dumps(selected, indent=1, sort_keys=True))
                self.client.log_artifact(run, str(table))
            if outcome.ok and evaluate_dir is not None:
                for name in ("test_predictions.conll", "test_report.txt", "dev_report.txt"):
                    if (evaluate_dir / name).exists():
                        self.client.log_artifact(run, str(evaluate_dir / name))
        if not outcome.ok:
            self.client.log_text(run, outcome.error or "", "error.txt")
        self._seed_runs[(t.variant, t.lang, t.seed)] = run
        if outcome.ok and cfg.tracking.log_models == "all":
            log_seed_model(exp, outcome, run, self.uri)
        self.client.set_terminated(run, "FINISHED" if outcome.ok else "FAILED")

    def group_done(self, exp: Experiment, variant: str, lang: str, outcomes: list[Outcome]) -> None:
        from ..runner.experiment import METRICS, mean_std

        run = self._group(exp, variant, lang)
        if run in self._closed:
            return
        metrics = []
        for m in METRICS:
            mean, std = mean_std([o.result.get(m, math.nan) if o.ok else math.nan for o in outcomes])
            metrics += [(f"{m}_mean", mean, 0), (f"{m}_std", std, 0)]
        ok = sum(o.ok for o in outcomes)
        # rounded: these are what a person reads in the UI's summary view; seed runs keep exact values
        metrics = [(k, round(v, 2), s) for k, v, s in metrics if math.isfinite(v)]
        metrics.append(("seeds_ok", float(ok), 0))
        self._log(run, metrics=metrics)
        if exp.configs[variant].tracking.log_models == "best" and ok:
            best = max((o for o in outcomes if o.ok),
                       key=lambda o: (o.result.get("dev_f1", -1.0), -o.target.seed))
            seed_run = self._seed_runs.get((variant, lang, best.target.seed))
            if seed_run is not None:  # chosen by dev F1, never test
                log_seed_model(exp, best, seed_run, self.uri)
        self.client.set_terminated(run, "FINISHED" if ok == len(outcomes) else "FAILED")
        self._closed.add(run)

    # -- the parent run -------------------------------------------------------------------------
    def start_heartbeat(self) -> None:
        """Stamp the parent every HEARTBEAT_S so that a command on another host can tell it is alive."""
        if not self.owns_parent or self.replay or self._beat is not None:
            return
        self._beat = threading.Event()

        def beat(stop: threading.Event = self._beat) -> None:
            while not stop.wait(HEARTBEAT_S):
                try:
                    self.client.set_tag(self.parent_id, tag.HEARTBEAT, str(int(time.time())))
                except Exception:  # tracking is down: the run goes on, the replay fills MLflow later
                    return

        threading.Thread(target=beat, name="xner-heartbeat", daemon=True).start()

    def log_summary(self, ran: int, cached: int, naive: int, seconds: float, training: int = 0,
                    naive_training: int = 0) -> None:
        if self.parent_done:
            return
        self._log(self.parent_id, metrics=[("nodes_run", ran, 0), ("nodes_cached", cached, 0),
                                           ("nodes_naive", naive, 0), ("wall_seconds", seconds, 0),
                                           ("training_nodes", training, 0),
                                           ("training_nodes_naive", naive_training, 0)])
        self.client.log_artifact(self.parent_id, str(self.experiment_file))

    def log_table(self, table: LoggableTable) -> None:
        """The ablation table as an MLflow table (compare view), plus parquet, markdown, csv, html, png."""
        if self.parent_done:
            return
        self.client.log_table(self.parent_id, table.to_long(), "ablation_table.json")
        title = f"{table.metric} (reference: {table.reference})"
        self.client.set_tag(self.parent_id, NOTE_TAG,
                            run_note(title, table.to_markdown(), self.common["xner.command"]))
        with tempfile.TemporaryDirectory() as tmp:
            for path in table.save(tmp).values():
                self.client.log_artifact(self.parent_id, str(path), "ablation")

    def finish(self, error: BaseException | None = None, status: str | None = None,
               log_file: Path | None = None) -> None:
        """Close the parent and every group left open: FINISHED, KILLED (Ctrl-C, SIGTERM) or FAILED;
        the command's full log (DEBUG included) goes to the parent as `xner.log`."""
        if self._beat is not None:
            self._beat.set()
        status = status or ("FINISHED" if error is None else
                            "KILLED" if isinstance(error, (KeyboardInterrupt, Pruned)) else "FAILED")
        for run in [*self._seeds.values(), *self._groups.values()]:  # opened, never finished
            if run not in self._closed:
                self.client.set_terminated(run, status if status != "FINISHED" else "FAILED")
        if self.parent_done:
            return
        if error is not None:
            self.client.log_text(self.parent_id, "".join(traceback.format_exception(error)), "error.txt")
        if log_file is not None and log_file.is_file():
            self.client.log_text(self.parent_id, log_file.read_text(encoding="utf-8"), "xner.log")
        if self.owns_parent:
            self.client.set_terminated(self.parent_id, status)

    def run_url(self) -> str:
        base = self.uri if self.uri.startswith("http") else "http://127.0.0.1:5000"
        return run_url(base, self.experiment_id, self.parent_id)
