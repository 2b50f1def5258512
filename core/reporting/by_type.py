"""Per-type tables and span-error analysis of an ablation, from MLflow alone (`xner compare --by-type
| --errors`): where a row's F1 comes from, and how its mistakes differ from the reference's."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .compare import RunNotFoundError, check_metric, runs_frame, seed_runs
from .tables import AblationTable, ablation_table


def type_tables(uri: str, name_or_id: str | None = None, runs: Sequence[str] = (), metric: str = "test_f1"
                ) -> list[tuple[str, AblationTable]]:
    """Per language, a table of the variants' F1 per entity type (`test_f1_PER`, ...): rows variants,
    columns types; its Avg column is the macro average over types."""
    _, source, seeds = seed_runs(uri, name_or_id, runs)
    frame = runs_frame(seeds)
    check_metric(frame, metric)
    order = [v for v in source.data.tags.get("xner.variants", "").split("|") if v in set(frame["variant"])]
    order += [v for v in dict.fromkeys(frame["variant"]) if v not in order]
    out = []
    for lang, part in frame.groupby("lang", sort=False):
        types = sorted(c.removeprefix(f"{metric}_") for c in part.columns
                       if c.startswith(f"{metric}_") and part[c].notna().any()
                       and re.fullmatch(r"[^_]+", c.removeprefix(f"{metric}_")))
        if not types:
            continue
        long = pd.DataFrame([{"variant": r["variant"], "lang": t, "seed": r["seed"],
                              "f1": r[f"{metric}_{t}"]} for _, r in part.iterrows() for t in types])
        variants = [v for v in order if v in set(part["variant"])]
        table = ablation_table(long, metric="f1", variant_order=variants, lang_order=types)
        table.metric = f"{metric} per entity type, {lang}"
        out.append((str(lang), table))
    return out


def _predictions(client: Any, run: Any, split: str = "test") -> tuple[list[list[str]], ...] | None:
    """(tokens, gold, predicted) from a seed run's `<split>_predictions.conll` artifact."""
    import tempfile

    from mlflow.exceptions import MlflowException

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # one bar per seed otherwise
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = client.download_artifacts(run.info.run_id, f"{split}_predictions.conll", tmp)
        except (MlflowException, OSError):
            return None
        text = Path(path).read_text(encoding="utf-8")
    tokens, gold, pred = [], [], []
    for block in text.split("\n\n"):
        rows = [line.split() for line in block.splitlines() if line.strip()]
        if rows:
            tokens.append([r[0] for r in rows])
            gold.append([r[-2] for r in rows])
            pred.append([r[-1] for r in rows])
    return tokens, gold, pred


def error_analysis(uri: str, name_or_id: str | None = None, runs: Sequence[str] = (), top: int = 5,
                   split: str = "test") -> str:
    """Markdown: per variant and language, the span confusion between types summed over seeds
    (boundary and type errors apart), and the `top` sentences where the variant and the reference
    disagree most (first shared seed), from the seed runs' prediction artifacts."""
    from .span_errors import confusion, disagreements_markdown, most_disagreeing

    client, source, seeds = seed_runs(uri, name_or_id, runs)
    order = [v for v in source.data.tags.get("xner.variants", "").split("|") if v]
    reference = source.data.tags.get("xner.reference") or (order[0] if order else None)
    by_cell: dict[tuple[str, str], dict[int, Any]] = {}
    for r in seeds:
        if r.info.status != "FINISHED":
            continue
        key = (r.data.tags.get("variant", "?"), r.data.tags.get("language", "?"))
        by_cell.setdefault(key, {})[int(r.data.tags.get("seed", -1))] = r
    variants = order + sorted({v for v, _ in by_cell} - set(order))
    langs = list(dict.fromkeys(lang for _, lang in by_cell))
    preds: dict[tuple[str, str, int], Any] = {}
    for (v, lang), cell in by_cell.items():
        for seed, run in cell.items():
            got = _predictions(client, run, split)
            if got is not None:
                preds[(v, lang, seed)] = got
    if not preds:
        raise RunNotFoundError(f"no {split}_predictions.conll artifact on the seed runs: nothing to analyse")
    out = [f"## Span errors on {split}, summed over seeds", ""]
    for lang in langs:
        for v in variants:
            found = [preds[k] for k in sorted(preds) if k[0] == v and k[1] == lang]
            if not found:
                continue
            gold = [s for f in found for s in f[1]]
            pred = [s for f in found for s in f[2]]
            types = sorted({t[2:] for s in gold + pred for t in s if t != "O"})
            out.append(confusion(gold, pred, types).to_markdown(f"{v} · {lang} · {len(found)} seed(s)"))
    if reference is not None:
        out += [f"## Sentences where a variant and {reference} disagree most ({split}, first shared seed)",
                ""]
        for lang in langs:
            for v in variants:
                if v == reference:
                    continue
                shared = sorted(s for (vv, ll, s) in preds if vv == v and ll == lang
                                and (reference, lang, s) in preds)
                if not shared:
                    continue
                toks, gold, ref = preds[(reference, lang, shared[0])]
                var = preds[(v, lang, shared[0])][2]
                rows = most_disagreeing(toks, gold, ref, var, top)
                out.append(disagreements_markdown(f"{v} ({lang}, seed {shared[0]})", reference, rows))
    return "\n".join(out)

