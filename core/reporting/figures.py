"""The ablation figure, drawn for a paper: bars zoomed to the data, the reference as a dashed line in
each group, every other bar labelled with its Δ to the reference, the legend beside the axes, and
vector formats (PDF, SVG) as well as PNG. The format follows the file's suffix."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .published import value as published_value

if TYPE_CHECKING:
    import pandas as pd


class AblationTable(Protocol):
    """What the figure reads of `tables.AblationTable` (which draws it: no import back)."""

    cells: pd.DataFrame
    variants: list[str]
    langs: list[str]

    @property
    def columns(self) -> list[str]: ...

FORMATS = ("png", "pdf", "svg")


def _figure(width: float, height: float):
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:  # never yank the backend from under an interactive session
        matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)  # a figure of its own: no pyplot global state, safe in threads
    return fig


def y_range(lows: list[float], highs: list[float]) -> tuple[float, float]:
    """The axis starts at 0, so a bar's height is its F1 (a row at half the reference looks half as
    tall), and ends above the error bars with room for the Δ labels, which carry the small
    differences; never above 100."""
    hi = max(highs)
    return 0.0, min(100.0, hi + max(0.12 * hi, 1.0))


def delta_label(delta: float, p: float = math.nan) -> str:
    """`+1.2`, `−3.4` (a true minus), small differences with two decimals (`+0.04`, never `+0.0`),
    `0.00` for none; † where the paired test gives p < 0.05."""
    d = round(delta, 2)
    text = "0.00" if d == 0 else f"{'−' if d < 0 else '+'}{abs(d):.{2 if abs(d) < 0.1 else 1}f}"
    return text + ("†" if p < 0.05 else "")


def plot_ablation(table: AblationTable, path: Path, save: Callable[[Path, Callable[[Path], None]], Path]
                  ) -> Path:
    """Grouped bars: one group per language (+ Avg when there are several), one bar per variant,
    error bars = std over seeds. A missing cell gets an 'n/a' mark, never a zero bar."""
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise ValueError(f"figure format {fmt!r} not one of {', '.join(FORMATS)} (from {path.name})")
    cols = list(table.columns) if len(table.langs) > 1 else list(table.langs)
    cells = table.cells.set_index(["variant", "lang"])
    variants = list(table.variants)
    fig = _figure(max(5.0, 0.45 * len(cols) * len(variants) + 3.0), 4.0)
    ax = fig.add_subplot()
    width = 0.8 / len(variants)
    lows, highs, missing = [], [], []
    for i, variant in enumerate(variants):
        xs, ys, errs = [], [], []
        for j, lang in enumerate(cols):
            x = j - 0.4 + width * (i + 0.5)
            mean, std, delta = cells.loc[(variant, lang), ["mean", "std", "delta"]]
            p = cells.loc[(variant, lang)].get("p", math.nan)
            if not math.isfinite(mean):
                missing.append(x)
                continue
            std = std if math.isfinite(std) else 0.0
            xs.append(x)
            ys.append(mean)
            errs.append(std)
            lows.append(mean - std)
            highs.append(mean + std)
            if variant != table.reference and math.isfinite(delta):
                ax.annotate(delta_label(delta, p), (x, mean + std), xytext=(0, 2), textcoords="offset points",
                            ha="center", va="bottom", fontsize=7,
                            color="#b22222" if delta < 0 else "#1a7f37")
        ax.bar(xs, ys, width, yerr=errs, capsize=2, label=variant, color=f"C{i}",
               hatch="//" if variant == table.reference else None, edgecolor="white", linewidth=0.5)
    lo, hi = y_range(lows or [0.0], highs or [1.0])
    ax.set_ylim(lo, hi)
    for j, lang in enumerate(cols):  # the reference's mean across its group
        ref = cells.loc[(table.reference, lang), "mean"]
        if math.isfinite(ref):
            ax.hlines(ref, j - 0.42, j + 0.42, colors="0.2", linestyles="--", linewidth=0.9,
                      label=f"{table.reference} (reference)" if j == 0 else None)
    pub_x, pub_y = [], []  # published F1 (the table's `published:` block): a black tick on its bar
    published = getattr(table, "published", {}) or {}
    for i, variant in enumerate(variants):
        for j, lang in enumerate(cols):
            value = published_value(published, variant, lang, list(table.langs))
            if value is not None:
                pub_x.append(j - 0.4 + width * (i + 0.5))
                pub_y.append(value)
    if pub_x:
        ax.scatter(pub_x, pub_y, marker="_", s=160, linewidths=2, color="black", zorder=3,
                   label="published")
        lo, hi = y_range(lows or [0.0], (highs or [1.0]) + pub_y)
        ax.set_ylim(lo, hi)
    for x in missing:
        ax.text(x, lo, "n/a", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(cols)), cols)
    ax.set_xlim(-0.5, len(cols) - 0.5)
    ax.set_ylabel(f"{table.metric} (%, mean ± std over seeds)")
    if "p" in table.cells and bool((table.cells["p"] < 0.05).any()):
        ax.set_title("Δ to the reference; † p < 0.05, paired t-test over seeds", fontsize=8, loc="left")
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return save(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=200, bbox_inches="tight"))


def curve_stages(curves: dict[str, dict[str, dict[int, list[float]]]]) -> tuple[list[str], list[str]]:
    """(stages with a curve of two or more epochs in pipeline order, single-epoch stages): a one-epoch
    stage has a point, not a curve, and is listed instead of drawn."""
    order = ("source", "teacher", "distill")  # the pipeline's order, whatever order runs logged in
    stages = sorted(dict.fromkeys(s for by_stage in curves.values() for s in by_stage),
                    key=lambda s: next((i for i, p in enumerate(order) if s.startswith(p)), len(order)))
    longest = {s: max(len(by.get(s, {})) for by in curves.values()) for s in stages}
    return [s for s in stages if longest[s] > 1], [s for s in stages if longest[s] <= 1]


def plot_curves(curves: dict[str, dict[str, dict[int, list[float]]]], path: Path, metric: str,
                save: Callable[[Path, Callable[[Path], None]], Path], order: list[str] | None = None) -> Path:
    """Per-epoch curves of each stage (one panel per stage), one line per variant: the mean over seeds
    with a band of ± one std. `curves`: variant -> stage -> epoch -> values over seeds. `order` (the
    table's variants) fixes each variant's colour to its bar's colour in the ablation figure."""
    import numpy as np

    fmt = path.suffix.lstrip(".").lower()
    stages, _ = curve_stages(curves)
    if not stages:
        raise ValueError("no per-epoch curves of two or more epochs to plot")
    order = list(order or []) + [v for v in curves if v not in (order or [])]
    fig = _figure(3.2 * len(stages) + 2.2, 3.0)
    axes = fig.subplots(1, len(stages), squeeze=False)[0]
    for ax, stage in zip(axes, stages, strict=True):
        for i, variant in enumerate(order):
            points = sorted(curves.get(variant, {}).get(stage, {}).items())
            if not points:
                continue
            epochs = [e for e, _ in points]
            mean = np.array([np.mean(v) for _, v in points])
            std = np.array([np.std(v, ddof=1) if len(v) > 1 else 0.0 for _, v in points])
            ax.plot(epochs, mean, marker="o", markersize=3, color=f"C{i}", label=variant)
            ax.fill_between(epochs, mean - std, mean + std, color=f"C{i}", alpha=0.15, linewidth=0)
        ax.set_title(stage, fontsize=9)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].set_ylabel(f"{metric} (%)")
    handles, labels = axes[0].get_legend_handles_labels()
    for ax in axes[1:]:  # a variant may train only some stages: collect every line once
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 0.95))
    fig.tight_layout()
    return save(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=200, bbox_inches="tight"))
