"""Reproduced against published: the `published:` block of an experiment beside a table's cells.

`published` maps a row name to `{"source": "...", "f1": {lang: F1 or None}}` (config/methods.py). The
Avg column's published value is the mean over the table's languages, only where the row's paper gave
every one of them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

TAG = "xner.published"  # the parent run's tag, so `xner compare` rebuilds the column from MLflow alone


def as_dict(published: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Config rows (pydantic or plain) as plain dicts."""
    return {row: (v.model_dump() if hasattr(v, "model_dump") else dict(v)) for row, v in published.items()}


def to_tag(published: Mapping[str, Any]) -> str:
    return json.dumps(as_dict(published), ensure_ascii=False, sort_keys=True)


def from_tag(text: str | None) -> dict[str, dict[str, Any]]:
    return json.loads(text) if text else {}


def value(published: Mapping[str, Any], row: str, column: str, langs: Sequence[str]) -> float | None:
    """The published F1 of a cell; for the average column, the mean over `langs` if all are given."""
    f1 = (published.get(row) or {}).get("f1") or {}
    if column in langs:
        v = f1.get(column)
        return None if v is None else float(v)
    got = [f1.get(lang) for lang in langs]
    return None if not got or any(v is None for v in got) else sum(got) / len(got)


def suffix(published: Mapping[str, Any], row: str, column: str, langs: Sequence[str], mean: float) -> str:
    """' | pub. 80.93 (−1.13)': the published number and reproduced minus published."""
    pub = value(published, row, column, langs)
    if pub is None:
        return ""
    if not math.isfinite(mean):
        return f" | pub. {pub:.2f}"
    gap = round(mean - pub, 2)
    return f" | pub. {pub:.2f} ({'−' if gap < 0 else '+'}{abs(gap):.2f})"


def sources(published: Mapping[str, Any], rows: Sequence[str]) -> list[str]:
    """One line per row with published numbers: where they come from."""
    out = [f"pub.: {row}: {published[row]['source']}" for row in rows if row in published]
    missing = [row for row in published if row not in rows]
    if missing:
        out.append(f"pub. rows with no reproduced row of that name: {', '.join(missing)}")
    return out
