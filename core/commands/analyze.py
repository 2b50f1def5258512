"""`xner analyze EXPERIMENT`: the papers' diagnostics for everything an experiment left in the store.

It builds the experiment's graphs (base and every variant, as `ablate` does), keeps the nodes that are
finished, and computes from them (never training a stage):

* AdvPicker Table 3 — language-probe accuracy on frozen features: pretrained encoder, Θ after
  fine-tuning, Θ after TLADV (and TransAdv's MLADV Θsrc);
* AdvPicker Tables 4 and 5 — pseudo-label F1 on the target train set for the selected and the other
  sentences, and their counts; every ensemble member alone and both best-of-seeds rules beside them;
* AdvPicker Table 7 — each method's test F1 on the selected / other parts of the target test set;
* TransAdv — each teacher's pseudo-label F1 and the united label's.

The tables are printed as markdown and logged to MLflow as one `analyze:` run (metrics + artifacts).
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import runner
from ..config.loader import load_experiment
from ..engine.graph import Node, topological
from ..engine.store import cache_dir
from ..reporting import diagnostics as dx
from ..reporting.dev_errors import error_kinds, read_dev_predictions
from ..reporting.dev_labels import dev_label_rows
from ..reporting.plan import served_variants
from ..stages.services import Services
from ..tracking.names import LABEL_QUALITY

log = logging.getLogger(__name__)


@dataclass
class Analysis:
    name: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # short name -> table
    titles: dict[str, str] = field(default_factory=dict)  # short name -> heading

    def add(self, key: str, title: str, frame: pd.DataFrame) -> None:
        self.tables[key], self.titles[key] = frame, title

    def markdown(self) -> str:
        parts = [f"# Diagnostics: {self.name}"]
        for key, frame in self.tables.items():
            parts += [f"\n## {self.titles[key]}\n", _markdown(frame)]
        return "\n".join(parts) + "\n"

    def metrics(self) -> dict[str, float]:
        """Numeric cells as flat MLflow metric names, e.g. `probe/TLADV/accuracy`."""
        out: dict[str, float] = {}
        for key, frame in self.tables.items():
            labels = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
            for _, row in frame.iterrows():
                stem = "/".join(str(row[c]) for c in labels)
                for c in frame.columns:
                    value = row[c]
                    if c in labels or not isinstance(value, int | float) or not math.isfinite(value):
                        continue
                    name = "".join(ch if ch.isalnum() or ch in "/_-. " else "_" for ch in f"{key}/{stem}/{c}")
                    out[name] = float(value)
        return out


def _markdown(frame: pd.DataFrame) -> str:
    """GitHub markdown by hand (pandas' to_markdown needs `tabulate`): a `c std` column joins `c` as
    `mean ± std`, counts print as integers, other floats with two decimals, NaN as —."""
    def cell(col: str, v: object) -> str:
        if isinstance(v, float) and math.isnan(v):
            return "—"
        if col.startswith("n_") or col == "seeds":
            return str(int(v))  # type: ignore[call-overload]
        return f"{v:.2f}" if isinstance(v, float) else str(v)

    cols = [c for c in frame.columns if not (c.endswith(" std") and c[:-4] in frame.columns)]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for _, row in frame.iterrows():
        cells = [cell(c, row[c]) + (f" ± {row[c + ' std']:.2f}" if c + " std" in frame.columns
                                    and math.isfinite(row[c + " std"]) else "")  # one seed: no std
                 for c in cols]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _mean_counts(frame: pd.DataFrame, values: list[str]) -> pd.DataFrame:
    g = frame.groupby(["method", "lang"], sort=False, dropna=False)
    return pd.concat([g[values].mean().round(1), g.size().rename("seeds")], axis=1).reset_index()


def _mean_std(frame: pd.DataFrame, by: list[str], values: list[str]) -> pd.DataFrame:
    """Mean and std over seeds, `n` = seeds; column order kept."""
    g = frame.groupby(by, sort=False, dropna=False)
    out = g[values].mean()
    std = g[values].std(ddof=1).add_suffix(" std")  # NaN for one seed: a spread never measured
    n = g.size().rename("seeds")
    return pd.concat([out, std, n], axis=1).reset_index()


def analyze(path: str | Path, overrides: Sequence[str] = (), *, device: str = "auto",
            probe_sentences: int = 1000, probe: bool = True) -> Analysis:
    cfg = load_experiment(path, list(overrides))
    exp = runner.build(path, list(overrides), list(cfg.variants), include_base=True, device=device)
    store = exp.store
    svc = Services(cache_dir=cache_dir(cfg.store), device=exp.device)
    done = [n for n in topological([t.node for t in exp.targets]) if store.has(n.stage, n.key)]
    log.info("%s: %d of the experiment's nodes are finished in %s", cfg.name, len(done), cfg.store)
    result = Analysis(cfg.name)
    t0 = time.perf_counter()

    serves = served_variants(exp)  # a node's rows: which variants' graphs hold it
    sources = [n for n in done if n.stage == "source"]
    if probe and sources:
        rows = pd.DataFrame(dx.language_probe(store, svc, sources, probe_sentences))
        rows["model"] = [m if i == 0 else f"{m} · {_rows(serves, sources[i - 1])}"  # row 0: pretrained
                         for i, m in enumerate(rows["model"])]
        result.add("probe", "Language-discriminator accuracy on frozen features (AdvPicker Table 3; "
                   "lower = more language-independent)", _mean_std(rows, ["model"], ["accuracy"]))

    log.info("language probe: %d encoders, %.0fs", len(sources) + 1 if probe and sources else 0,
             time.perf_counter() - t0)
    t0 = time.perf_counter()
    selects = [n for n in done if n.stage == "select"]
    quality: list[dict] = []
    relabels = [n for n in done if n.stage == "pseudo_label" and "relabel" in n.params]
    if relabels:  # UniTrans's and CoLaDa's labels measured themselves when they were made
        rows = []
        for n in relabels:
            model = n.inputs[min(r for r in n.inputs if r.startswith("model:"))]
            made = store.manifest(n.stage, n.key)["result"]
            rows.append({"variants": _rows(serves, n), "labels": n.name, "seed": model.seed,
                         **{k: made[k] for k in LABEL_QUALITY if k in made}})
        result.add("relabel", "Relabelled corpora (UniTrans's vote, CoLaDa's rounds on D_T and D_T^u): label "
                   "F1 against the gold tags never trained on, and how well the kNN weights rank right "
                   "labels above wrong ones (AUC)", pd.DataFrame(rows))
    for pseudo in (n for n in done if n.stage == "pseudo_label" and "relabel" not in n.params):
        ratios = sorted({s.params["ratio"] for s in selects if s.inputs["pseudo"].key == pseudo.key}
                        | ({0.8} if pseudo.params["combine"] == "best-of-seeds" else set()))
        for row in dx.pseudo_quality(store, svc, pseudo, ratios or [1.0]):
            quality.append({"variants": _rows(serves, pseudo), "pseudo_label": _pseudo_name(pseudo), **row})
    if quality:
        result.add("pseudo", "Pseudo-label F1 on the target train set (AdvPicker Tables 4 and 5; "
                   "TransAdv's teachers)", pd.DataFrame(quality))

    log.info("pseudo-label F1 on target train: %d label sets, %.0fs", len(quality), time.perf_counter() - t0)
    t0 = time.perf_counter()
    names = {t.node.key: runner.row_name(exp, t.variant) for t in exp.targets}
    on_dev: list[dict] = []
    for pseudo in (n for n in done if n.stage == "pseudo_label" and "relabel" not in n.params):
        students = [ev for ev in done if ev.stage == "evaluate" and _distilled_from(ev, pseudo)]
        if students:
            on_dev += [{"variants": _rows(serves, pseudo), "pseudo_label": _pseudo_name(pseudo), **row}
                       for row in dev_label_rows(store, svc, pseudo, students)]
    if on_dev:
        result.add("dev_labels", "Teachers and student on target dev: each model's labels, their "
                   "combination (what the student learns from), the student (mass_X = mean probability "
                   "on type X at gold-X words)", pd.DataFrame(on_dev))
    errors = [{"method": names[ev.key], "lang": ev.lang, "seed": ev.seed,
               **error_kinds(*read_dev_predictions(store.path("evaluate", ev.key) / "dev_predictions.conll"))}
              for ev in done if ev.stage == "evaluate" and ev.key in names]
    if errors:
        kinds = [k for k in errors[0] if k not in ("method", "lang", "seed")]
        result.add("errors", "Target dev errors by kind (entity spans; spurious = over gold O words, "
                   "capitalised = one capitalised non-initial word; missed lowercase = a gold entity "
                   "starting lowercase; mean over seeds)", _mean_counts(pd.DataFrame(errors), kinds))
    splits: list[dict] = []
    for sel in (s for s in selects if s.params["strategy"] == "adversarial"):
        keep, total = dx.test_split(store, svc, sel.inputs["pseudo"], sel.params["ratio"])
        for ev in (n for n in done if n.stage == "evaluate" and n.lang == sel.lang and n.key in names):
            splits.append({"method": names[ev.key], "seed": ev.seed, **dx.split_scores(store, ev, keep),
                           "n_selected": len(keep), "n_other": total - len(keep)})
        break  # one split of the test set: the first AdvPicker selection's
    log.info("target dev labels, errors and test splits: %.0fs", time.perf_counter() - t0)
    if splits:
        frame = _mean_std(pd.DataFrame(splits), ["method"], ["test_selected", "test_other", "test_all"])
        result.add("split", "Test F1 on the selected / other target test sentences (AdvPicker Table 7; "
                   f"{splits[0]['n_selected']} selected, {splits[0]['n_other']} other)", frame)
    return result


def _rows(serves: dict[str, list[str]], node: Node) -> str:
    """The table rows whose graphs hold `node` (`TransAdv, w/o LDIS`), and its language."""
    return f"{', '.join(serves.get(node.key, ['?']))} · {node.lang}"


def _distilled_from(evaluate: Node, pseudo: Node) -> bool:
    """Whether `evaluate` scores a student distilled from `pseudo`'s labels."""
    return any(m.stage == "distill" and m.inputs["pseudo"].key == pseudo.key
               for r, m in evaluate.inputs.items() if r.startswith("model:"))


def _pseudo_name(node: Node) -> str:
    """e.g. `weighted[context,entity,order,source] seed 2`; an ensemble's members are its seeds."""
    models = {r.removeprefix("model:"): n for r, n in node.inputs.items() if r.startswith("model:")}
    seeds = {n.seed for n in models.values()}
    suffix = f" seed {seeds.pop()}" if len(seeds) == 1 else ""
    return f"{node.params['combine']}[{','.join(sorted(models))}]{suffix}"


def log_analysis(analysis: Analysis, path: str | Path, tracking_uri: str | None, experiment: str) -> str:
    """One `analyze:` parent run holding every number as a metric and the tables as artifacts."""
    from ..tracking.tracker import MlflowTracker
    from ..tracking.uri import resolve_tracking_uri

    uri = resolve_tracking_uri(tracking_uri)
    tracker = MlflowTracker(uri, experiment, f"analyze:{analysis.name}@{time.strftime('%Y-%m-%d %H:%M:%S')}",
                            "analyze", path)
    tracker._log(tracker.parent_id, metrics=[(k, v, 0) for k, v in analysis.metrics().items()])
    with tempfile.TemporaryDirectory() as tmp:
        md = Path(tmp) / "diagnostics.md"
        md.write_text(analysis.markdown(), encoding="utf-8")
        tracker.client.log_artifact(tracker.parent_id, str(md))
        for i, frame in enumerate(analysis.tables.values()):
            out = Path(tmp) / f"table{i + 1}.json"
            out.write_text(json.dumps(frame.to_dict(orient="records"), default=str, indent=1))
            tracker.client.log_artifact(tracker.parent_id, str(out), "diagnostics")
    tracker.finish()
    return tracker.parent_id
