"""A plug-in outside core/: one selector, one executor and one table format, registered the way a
user's package would register them (imported by `plugins.load_plugins` from $XNER_PLUGINS)."""

from __future__ import annotations

import numpy as np

from xner.core.plugins import EXECUTORS, SELECTORS, TABLE_FORMATS
from xner.core.runner.executors.local import run_local

CALLS: list[str] = []


@SELECTORS.register("first-half")
def first_half(p_source: np.ndarray, ratio: float) -> np.ndarray:
    """The first half of the pseudo-labelled sentences, whatever their scores."""
    return np.arange(len(p_source) // 2)


@EXECUTORS.register("last-first")
def last_first(exp, collector, fail_fast: bool, address: str | None = None) -> None:
    """The local executor over the grid in reverse order (the last target first)."""
    CALLS.append("last-first")
    exp.targets.reverse()
    try:
        run_local(exp, collector, fail_fast, address)
    finally:
        exp.targets.reverse()


@TABLE_FORMATS.register("tsv")
def tsv(table) -> str:
    """Tab-separated mean ± std, one row per variant."""
    frame = table.to_frame()
    return "\n".join(["variant\t" + "\t".join(frame.columns)]
                     + [f"{v}\t" + "\t".join(map(str, row)) for v, row in frame.iterrows()]) + "\n"
