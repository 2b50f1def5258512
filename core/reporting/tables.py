"""Paper-style ablation table: rows are method variants, columns target languages, cells mean ± std.

A failed seed carries NaN (or inf) metrics, or has no row at all; it is dropped, never read as 0, and a
cell with no finite seed stays missing (NaN, rendered as an em dash) so a crashed variant cannot pass for
a weak one.
"""

from __future__ import annotations

import csv
import html
import io
import logging
import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..plugins import TABLE_FORMATS
from . import published as pub

log = logging.getLogger(__name__)

AVG = "Avg"
MISSING = "—"
KEYS = ("variant", "lang", "seed")


def _std(values: np.ndarray) -> float:
    """Sample std (ddof=1); NaN for one seed or none: one run measures no spread, and a cell shows
    `(n=1)` rather than a std of zero."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else math.nan


def _ordered(kind: str, present: list[str], order: list[str] | None) -> list[str]:
    """`order` selects and orders; a name absent from the runs is an error because it is usually a typo."""
    if order is None:
        return present
    unknown = [x for x in order if x not in present]
    if unknown:
        raise ValueError(f"{kind} {unknown} not found in runs; available {kind}s: {present}")
    if len(set(order)) != len(order):
        raise ValueError(f"duplicate names in {kind}_order: {order}")
    return list(order)


def _atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Write via a temp file in the target directory and rename, so readers never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would make the published artifact private
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def ablation_table(
    runs: pd.DataFrame,
    metric: str = "test_f1",
    reference: str | None = None,
    variant_order: list[str] | None = None,
    lang_order: list[str] | None = None,
) -> AblationTable:
    """Aggregate seed runs into (variant, lang) cells of mean, sample std, n and delta to `reference`.

    Only finite values count. The "Avg" column's mean is the mean of the language cell means and is NaN if
    any language cell is missing: averaging the languages that happen to survive would compare variants on
    different language sets. Its std is the sample std, over the seeds that have every language, of each
    seed's average across languages (n counts those seeds; NaN std if there are none), i.e. the seed-to-seed
    spread of the headline number rather than a mix of per-language spreads. Deltas are `mean - reference
    mean` per column (0.0 on the reference row, NaN wherever either side is missing).
    """
    if runs.empty:
        raise ValueError("runs is empty: no seed runs to tabulate")
    absent = [c for c in KEYS if c not in runs.columns]
    if absent:
        raise ValueError(f"runs lacks key columns {absent}; it has {list(runs.columns)}")
    types = pd.api.types
    metrics = [
        c for c in runs.columns
        if c not in KEYS and types.is_numeric_dtype(runs[c]) and not types.is_bool_dtype(runs[c])
    ]
    if metric not in metrics:
        raise ValueError(f"unknown metric {metric!r}; available metric columns: {metrics}")
    variants = _ordered("variant", [str(v) for v in pd.unique(runs["variant"])], variant_order)
    langs = _ordered("lang", [str(x) for x in pd.unique(runs["lang"])], lang_order)
    if AVG in langs:
        raise ValueError(f"a language may not be called {AVG!r}: that name is the average column")
    reference = variants[0] if reference is None else reference
    if reference not in variants:
        raise ValueError(f"reference variant {reference!r} not found; variants: {variants}")

    frame = runs.assign(variant=runs["variant"].astype(str), lang=runs["lang"].astype(str))
    frame = frame.assign(value=frame[metric].astype(float))
    finite = np.isfinite(frame["value"].to_numpy())
    if (~finite).any():
        log.warning("%d run(s) without a finite %s are excluded (failed seeds)", int((~finite).sum()), metric)
    ok = frame.loc[finite & frame["variant"].isin(variants) & frame["lang"].isin(langs), [*KEYS, "value"]]
    dup = ok.duplicated(list(KEYS), keep=False)
    if dup.any():
        raise ValueError(f"several finite runs share (variant, lang, seed):\n{ok.loc[dup, list(KEYS)]}")

    rows: list[dict[str, object]] = []
    for variant in variants:
        sub = ok[ok["variant"] == variant]
        wide = sub.pivot(index="seed", columns="lang", values="value").reindex(columns=langs)
        means = []
        for lang in langs:
            vals = wide[lang].dropna().to_numpy(dtype=float)
            means.append(float(vals.mean()) if len(vals) else math.nan)
            rows.append({"variant": variant, "lang": lang, "mean": means[-1], "std": _std(vals),
                         "n": len(vals)})
        per_seed = wide.dropna().mean(axis=1).to_numpy(dtype=float)  # seeds that ran every language
        avg = float(np.mean(means)) if all(math.isfinite(m) for m in means) else math.nan
        rows.append({"variant": variant, "lang": AVG, "mean": avg, "std": _std(per_seed), "n": len(per_seed)})
    cells = pd.DataFrame(rows).astype({"mean": float, "std": float, "n": int})
    ref = cells[cells["variant"] == reference].set_index("lang")["mean"]
    cells["delta"] = cells["mean"] - cells["lang"].map(ref).astype(float)
    pairs = zip(cells["variant"], cells["lang"], strict=True)
    cells["p"] = [paired_p(ok, reference, v, lang, langs) for v, lang in pairs]
    return AblationTable(cells=cells, metric=metric, reference=reference, variants=variants, langs=langs)


SIGNIFICANCE = "paired t-test over the seeds both rows ran (two-sided)"
SIG_LEVEL, SIG_MARK = 0.05, "†"


def paired_p(ok: pd.DataFrame, reference: str, variant: str, lang: str, langs: list[str]) -> float:
    """p-value of `variant` against `reference` in one column, pairing runs by seed (a seed fixes the
    data order and initialisation both rows share). Avg pairs each seed's mean over the languages.
    NaN for the reference itself, fewer than two shared seeds, or identical differences."""
    if variant == reference:
        return math.nan
    from scipy.stats import ttest_rel

    def per_seed(v: str) -> pd.Series:
        wide = ok[ok["variant"] == v].pivot(index="seed", columns="lang", values="value")
        wide = wide.reindex(columns=langs)
        return wide.dropna().mean(axis=1) if lang == AVG else wide[lang].dropna()

    a, b = per_seed(variant).align(per_seed(reference), join="inner")
    diff = (a - b).to_numpy(dtype=float)
    if len(diff) < 2 or np.allclose(diff, diff[0]):
        return math.nan
    return float(ttest_rel(a.to_numpy(dtype=float), b.to_numpy(dtype=float)).pvalue)


_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "Θ": r"$\Theta$", "ρ": r"$\rho$", "θ": r"$\theta$", "−": "$-$", "±": r"$\pm$"}


def _latex(text: str) -> str:
    """Escape for pdflatex without extra packages; the papers' Greek letters become math."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


_CSS = ("body{font-family:system-ui,sans-serif}table{border-collapse:collapse}"
        "th,td{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}"
        "td:first-child,th:first-child{text-align:left}")


@dataclass
class AblationTable:
    """The aggregated cells plus their display order; every rendering derives from `cells`."""

    cells: pd.DataFrame
    metric: str
    reference: str
    variants: list[str]
    langs: list[str]
    notes: list[str] = field(default_factory=list)  # e.g. "incomplete: 1 of 2 seeds" (xner compare)
    published: dict[str, Any] = field(default_factory=dict)  # row -> {source, f1: {lang: F1}}

    @property
    def columns(self) -> list[str]:
        return [*self.langs, AVG]

    def to_long(self) -> pd.DataFrame:
        return self.cells.copy()

    def to_frame(self) -> pd.DataFrame:
        """Wide means (index variant, columns langs + Avg); missing cells are NaN."""
        wide = self.cells.pivot(index="variant", columns="lang", values="mean")
        wide = wide.reindex(index=self.variants, columns=self.columns)
        wide.columns.name = None
        return wide

    def _text(self, row: pd.Series) -> str:
        if not math.isfinite(row["mean"]):
            return MISSING + pub.suffix(self.published, row["variant"], row["lang"], self.langs, math.nan)
        text = f"{row['mean']:.2f}" + (f" ± {row['std']:.2f}" if math.isfinite(row["std"]) else
                                       " (n=1)" if row.get("n") == 1 else "")
        if row["variant"] != self.reference and math.isfinite(row["delta"]):
            d = round(float(row["delta"]), 2)
            text += f" ({'−' if d < 0 else '+'}{abs(d):.2f})"  # Unicode minus; -0.00 prints as +0.00
            if row.get("p", math.nan) < SIG_LEVEL:
                text += SIG_MARK
        return text + pub.suffix(self.published, row["variant"], row["lang"], self.langs, row["mean"])

    @property
    def marks(self) -> list[str]:
        """The significance legend, when some cell carries the mark, and where published numbers
        come from."""
        p = self.cells["p"] if "p" in self.cells else pd.Series(dtype=float)
        legend = [self.legend] if bool((p < SIG_LEVEL).any()) else []
        return legend + pub.sources(self.published, self.variants)

    @property
    def caption(self) -> str:
        """What the cells are: the metric, over how many seeds, against which row."""
        return (f"{self.metric}: mean ± sample std over seeds, (Δ) to {self.reference}")

    @property
    def legend(self) -> str:
        """What the marks mean, under every rendering that shows them."""
        return (f"{SIG_MARK} p < {SIG_LEVEL} against {self.reference}, {SIGNIFICANCE}; "
                "no mark: not significant, or fewer than two shared seeds")

    def _grid(self) -> list[list[str]]:
        """Header plus one row of display strings per variant, shared by every text rendering."""
        by_key = {(r["variant"], r["lang"]): self._text(r) for _, r in self.cells.iterrows()}
        header = ["Variant", *self.columns]
        return [header] + [[v] + [by_key[(v, c)] for c in self.columns] for v in self.variants]

    def to_markdown(self) -> str:
        """GitHub markdown; rendered by hand because pandas' to_markdown needs `tabulate`."""
        grid = [[c.replace("|", "\\|").replace("\n", " ") for c in row] for row in self._grid()]
        rule = "|" + "|".join([":---"] + ["---:"] * len(self.columns)) + "|"
        lines = ["| " + " | ".join(row) + " |" for row in grid]
        notes = ["", *(f"> {n}" for n in [*self.marks, *self.notes])]
        return "\n".join([f"**{self.caption}**", "", lines[0], rule, *lines[1:],
                          *(notes if len(notes) > 1 else [])]) + "\n"

    def to_csv(self) -> str:
        """Tidy numbers, one row per (variant, language) cell: what pandas, R or a spreadsheet reads
        back without parsing "50.31 ± 3.12 (−0.64)". A missing cell has empty mean/std/delta."""
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\n")
        out.writerow(["variant", "lang", "metric", "mean", "std", "seeds", "delta", "p_paired_t",
                      "published", "gap_to_published"])
        cells = self.cells.set_index(["variant", "lang"])

        def num(x: float) -> str:
            return repr(float(x)) if math.isfinite(x) else ""

        for variant in self.variants:
            for lang in self.columns:
                published = pub.value(self.published, variant, lang, self.langs)
                published_num = math.nan if published is None else published
                if (variant, lang) not in cells.index:
                    out.writerow([variant, lang, self.metric, "", "", 0, "", "", num(published_num), ""])
                    continue
                c = cells.loc[(variant, lang)]
                out.writerow([variant, lang, self.metric, num(c["mean"]), num(c["std"]), int(c["n"]),
                              num(c["delta"]), num(c.get("p", math.nan)), num(published_num),
                              num(c["mean"] - published_num)])
        return buf.getvalue()

    def to_latex(self) -> str:
        """A booktabs `table` for a paper (needs \\usepackage{booktabs}): mean ± std per cell, Δ to the
        reference in small type; names escaped for pdflatex. Bold marks a column's best mean only where
        the significance test separates it (`bold_cells`), and the caption says so."""
        cells = self.cells.set_index(["variant", "lang"])
        bold = self.bold_cells()

        def cell(variant: str, lang: str) -> str:
            if (variant, lang) not in cells.index or not math.isfinite(cells.loc[(variant, lang), "mean"]):
                return "--"
            c = cells.loc[(variant, lang)]
            mean = f"{c['mean']:.2f}"
            text = (f"\\textbf{{{mean}}}" if (variant, lang) in bold else mean)
            if math.isfinite(c["std"]):
                text += f"$_{{\\pm {c['std']:.2f}}}$"
            if variant != self.reference and math.isfinite(c["delta"]):
                text += f" {{\\scriptsize ({c['delta']:+.2f})}}"
                if c.get("p", math.nan) < SIG_LEVEL:
                    text += "$^\\dagger$"
            published = pub.value(self.published, variant, lang, self.langs)
            if published is not None:
                text += f" {{\\scriptsize [{published:.2f}]}}"
            return text

        head = " & ".join(["Variant", *(_latex(c) for c in self.columns)])
        rows = [" & ".join([_latex(v), *(cell(v, c) for c in self.columns)]) + r" \\" for v in self.variants]
        caption = _latex(f"{self.metric}, mean and standard deviation over seeds; "
                         f"in brackets the difference to {self.reference}.")
        if any(m == self.legend for m in self.marks):
            caption += " $^\\dagger$ " + _latex(f"p < {SIG_LEVEL}, {SIGNIFICANCE}.")
        if self.published:
            caption += " " + _latex("In square brackets the published F1 (" + "; ".join(
                pub.sources(self.published, self.variants)) + ").")
        if bold:
            caption += " " + _latex(f"Bold: the column's best mean, separated by that test at "
                                    f"p < {SIG_LEVEL} (from {self.reference}, or {self.reference} "
                                    "from the runner-up).")
        spec = "l" + "r" * len(self.columns)
        lines = [r"\begin{table}[t]", r"\centering", rf"\begin{{tabular}}{{{spec}}}", r"\toprule",
                 head + r" \\", r"\midrule", *rows, r"\bottomrule", r"\end{tabular}",
                 rf"\caption{{{caption}}}", r"\end{table}", ""]
        return "\n".join(lines)

    def bold_cells(self) -> set[tuple[str, str]]:
        """(variant, column) of each column's best mean where the paired test separates it: a variant
        significantly above the reference, or the reference significantly above the runner-up. A best
        mean within noise of the next is not bold, whatever its rank."""
        out: set[tuple[str, str]] = set()
        for col in self.columns:
            c = self.cells[(self.cells["lang"] == col) & np.isfinite(self.cells["mean"])]
            if len(c) < 2:
                continue
            ranked = c.sort_values("mean", ascending=False)
            top, second = ranked.iloc[0], ranked.iloc[1]
            p = top.get("p", math.nan) if top["variant"] != self.reference else second.get("p", math.nan)
            if p < SIG_LEVEL and top["mean"] > second["mean"]:
                out.add((top["variant"], col))
        return out

    def to_html(self) -> str:
        """A whole UTF-8 page: MLflow's artifact viewer and browsers guess latin-1 for a bare
        fragment, which turned ± and Θ into 'Â±' and 'Î˜'."""
        grid = [[html.escape(c) for c in row] for row in self._grid()]
        head = "<tr>" + "".join(f"<th>{c}</th>" for c in grid[0]) + "</tr>"
        body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in grid[1:])
        notes = "".join(f"<p>{html.escape(n)}</p>\n" for n in [*self.marks, *self.notes])
        title = html.escape(f"{self.metric} (reference: {self.reference})")
        return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                f"<title>{title}</title>\n<style>{_CSS}</style></head>\n<body>\n<h3>{title}</h3>\n"
                f"<table>\n<thead>\n{head}\n</thead>\n<tbody>\n{body}\n</tbody>\n</table>\n{notes}"
                "</body></html>\n")

    def format_terminal(self) -> str:
        grid = self._grid()
        widths = [max(len(row[i]) for row in grid) for i in range(len(grid[0]))]

        def line(row: list[str]) -> str:
            cells = [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
            return "  ".join([row[0].ljust(widths[0]), *cells])

        rule = "  ".join("-" * w for w in widths)
        title = f"{self.metric} (reference: {self.reference})"
        return "\n".join([title, line(grid[0]), rule, *(line(r) for r in grid[1:]), *self.marks]) + "\n"

    def plot(self, path: str | Path) -> Path:
        """The ablation figure (`core.figures`); PNG, PDF or SVG by the file's suffix."""
        from .figures import plot_ablation

        return plot_ablation(self, Path(path), _atomic)

    def save(self, directory: str | Path) -> dict[str, Path]:
        """Write every rendering, each atomically; returns file name -> path."""
        d = Path(directory)
        parquet = d / "ablation.parquet"
        out = {parquet.name: _atomic(parquet, lambda t: self.cells.to_parquet(t, index=False))}
        texts = {"md": self.to_markdown(), "csv": self.to_csv(), "html": self.to_html(),
                 "tex": self.to_latex()}
        for ext, text in texts.items():
            name = f"ablation.{ext}"
            out[name] = _atomic(d / name, lambda t, text=text: t.write_text(text, encoding="utf-8"))
        for fmt in ("png", "pdf", "svg"):
            out[f"ablation.{fmt}"] = self.plot(d / f"ablation.{fmt}")
        log.debug("ablation table (%s) written to %s", self.metric, d)
        return out


# `xner compare --format NAME` renders through this family; a plug-in adds a format with one function.
TABLE_FORMATS.register("md", "Markdown: what a README or an issue shows.")(AblationTable.to_markdown)
TABLE_FORMATS.register("csv", "CSV: mean, std and seeds per cell, for a spreadsheet.")(AblationTable.to_csv)
TABLE_FORMATS.register("html", "HTML: a styled table for a page.")(AblationTable.to_html)
TABLE_FORMATS.register("latex", "LaTeX: a booktabs table for a paper.")(AblationTable.to_latex)
