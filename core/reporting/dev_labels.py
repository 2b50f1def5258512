"""Teachers and their student on the same sentences: the labels each model gives target dev, the
combination the student learns from (Eq. 7's union or best-of-seeds), and the student's own dev
scores, each overall and per entity type.

Why: the pseudo-label table scores the labels on target train, the student is scored on dev, and the
two splits differ in difficulty (CoNLL-2003 de: Θsrc 40.66 on train, 58.35 on dev). Only on one split
can "the student loses 6 points and its MISC against its own labels" be read off. `mass_X` is the
mean probability the labels put on type X (B- or I-) at the words gold tags X: low mass on a rare type
is what a soft-label student flattens into `O`. Dev only: this decides nothing on test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..engine.graph import Node
from ..engine.store import Store
from ..stages.services import Services, label_set_for
from ..train.pseudo import weighted_union
from . import diagnostics as dx


def gold_mass(gold: Sequence[Sequence[str]], probs: Sequence[np.ndarray], data: Mapping[str, Any]
              ) -> dict[str, float]:
    """Mean probability of each gold word's type (B-X + I-X) under `probs`, per entity type."""
    ls = label_set_for(data)
    cols = {t: [ls.index(f"B-{t}"), ls.index(f"I-{t}")] for t in ls.entity_types}
    sums = dict.fromkeys(cols, 0.0)
    counts = dict.fromkeys(cols, 0)
    for tags, p in zip(gold, probs, strict=True):
        for j, tag in enumerate(tags):
            if tag != "O":
                t = tag[2:]
                sums[t] += float(p[j][cols[t]].sum())
                counts[t] += 1
    return {f"mass_{t}": sums[t] / counts[t] for t in sorted(cols) if counts[t]}


def dev_label_rows(store: Store, svc: Services, pseudo: Node, students: Sequence[Node]) -> list[dict]:
    """Rows: every input model of `pseudo` on target dev, their combination, each student's evaluate."""
    lab = dx.label_with(store, svc, pseudo, "tgt_dev")
    data = pseudo.params["data"]
    probs = {r.removeprefix("model:"): lab.preds[r].probs for r in sorted(lab.preds)}
    combined = []
    if pseudo.params["combine"] == "weighted":
        combined.append(("union (Eq. 7)", weighted_union(probs, pseudo.params["weights"])))
    else:
        combined.append((f"best-of-seeds ({pseudo.params['confidence']})",
                         dx.choose(lab, pseudo.params["confidence"])[0]))
    rows = [{"labels": name, **dx.label_scores(lab.gold, p, data, svc), **gold_mass(lab.gold, p, data)}
            for name, p in [*probs.items(), *combined]]
    for ev in students:
        r = store.manifest("evaluate", ev.key)["result"]
        rows.append({"labels": f"student seed {ev.seed}", "f1_all": r["dev_f1"],
                     **{k.removeprefix("dev_"): v for k, v in r.items()
                        if k.startswith("dev_f1_") and k[7:].isupper()}})
    return rows
