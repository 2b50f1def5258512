"""How runs and metrics are named: the run tags xner writes, a node's metric prefix, the sortable order
tag of a row, what a stage's selection kept, the label-quality numbers of a relabel node and the tags
that lead `xner export` to a seed's model. Constants and pure functions of a node or a result, so the
journal, the tracker, the reports and the export agree without importing each other."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.graph import Node

if TYPE_CHECKING:
    from ..runner.experiment import Experiment


ROOT, LEVEL, PARENT = "xner.root_run", "xner.level", "mlflow.parentRunId"
ORDER = "xner.order"  # the table's row and column order, as a sortable tag
INVOCATION, TARGET = "xner.invocation", "xner.target"
MODEL_TAG, EVALUATE_TAG, STORE_TAG = "xner.model_node", "xner.evaluate_node", "xner.store"
HOST, PID, PID_START, HEARTBEAT = "xner.host", "xner.pid", "xner.pid_start", "xner.heartbeat"


def stage_key(node: Node, seed: int | None) -> str:
    """Metric prefix of a node: `source`, `teacher_entity`, `distill`; ensemble members of other
    seeds (AdvPicker) get `_seedN` so their curves do not overwrite each other."""
    ner_data = node.params.get("ner_data", ["D_S"]) if node.stage == "source" else ["D_S"]
    if node.stage == "teacher":
        name = f"teacher_{node.params['teacher']}"
    elif ner_data != ["D_S"]:  # a model trained on translated data beside Θsrc (UniTrans's M_trans)
        name = "source_" + "_".join(ner_data)
    elif node.label and not node.label.startswith((node.stage, "pseudo_label")):
        name = re.sub(r"\W+", "_", node.label).strip("_")  # CoLaDa's rounds: M_trans_1, relabel_D_T_u_2
    else:
        name = node.stage
    return name if node.seed in (None, seed) else f"{name}_seed{node.seed}"


def finite(metrics: Mapping[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in metrics.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)}


# what a relabel node measured of its labels against the gold tags it never trains on (stages/relabel.py)
LABEL_QUALITY = ("label_f1", "label_accuracy", "knn_weight_mean", "knn_weight_auc", "voted_fraction",
                 "voted_accuracy")


def selection_values(result: Mapping[str, Any]) -> dict[str, float]:
    """A trained stage's selected epoch and its scores (rounded to 4 decimals): `best_epoch`,
    `dev_f1`, `loss`, ... Tags and a `selection.json` artifact, not metrics: as metrics each was a
    one-bar chart, about a hundred per seed run."""
    scores = {k: v for k, v in result.items() if k not in ("best_epoch", "curve")}
    return {"best_epoch": int(result["best_epoch"]), **{k: round(v, 4) for k, v in finite(scores).items()}}


def order_tag(exp: Experiment, variant: str, lang: str, seed: int | None = None) -> str:
    """`03.01` (variant 3, language 1) or `03.01.0002`: the table's order, which the UI sorts by."""
    variants = list(exp.configs)
    langs = list(dict.fromkeys(t.lang for t in exp.targets))
    out = f"{variants.index(variant):02d}.{langs.index(lang):02d}"
    return out if seed is None else f"{out}.{seed:04d}"


def model_tags(evaluate: Node, store_root: Path) -> dict[str, str]:
    """What `xner export --run ID` needs to find a seed's model in the store: the evaluate node, the one
    model it scored (none for an ensemble, which one HF model cannot hold) and the store."""
    models = [n for role, n in sorted(evaluate.inputs.items()) if role.startswith("model:")]
    tags = {EVALUATE_TAG: f"{evaluate.stage}/{evaluate.key}", STORE_TAG: str(Path(store_root).resolve())}
    if len(models) == 1:
        tags[MODEL_TAG] = f"{models[0].stage}/{models[0].key}"
    return tags
