"""`xner report NAME_OR_RUN_ID`: one self-contained HTML page of an ablation, from MLflow alone.

The table (with significance marks), the ablation figure and every stage's per-epoch curves as inline
SVG, the settings each variant changes against the reference, and links to the runs. One file, no
external assets: it can be mailed, attached to a paper draft's folder or opened offline."""

from __future__ import annotations

import html
import re
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..tracking import ui as mlflow_ui
from ..tracking.names import LEVEL, PARENT
from .by_type import error_analysis, type_tables
from .compare import RunNotFoundError, _client, _seeds_under, compare, describe, find_parent
from .figures import curve_stages, plot_curves
from .tables import _CSS, AblationTable, _atomic

_IGNORED = {"language", "seed", "variant"}
DEFAULT_UI = "http://127.0.0.1:5000"  # where `mlflow ui` serves a local database


def _svg(draw: Any) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = draw(Path(tmp) / "fig.svg")
        text = path.read_text(encoding="utf-8")
    return text[text.index("<svg"):]  # drop the XML prolog and doctype: inline in HTML


Curves = dict[str, dict[str, dict[int, list[float]]]]  # variant -> stage -> epoch -> values over seeds


def curves(client: Any, seeds: list[Any], metric: str = "dev_f1") -> Curves:
    """variant -> stage -> epoch -> the seeds' values of `<stage>/<metric>`."""
    out: Curves = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for run in seeds:
        variant = run.data.tags.get("variant", "?")
        for key in run.data.metrics:
            stage, _, name = key.rpartition("/")
            if name != metric or not stage or "/" in stage or "_seed" in stage:
                continue
            for m in client.get_metric_history(run.info.run_id, key):
                out[variant][stage][int(m.step)].append(float(m.value))
    return out


_UNSET = {None, "None", "null", ""}


def config_diff(groups: dict[str, Any], reference: str, order: list[str] | None = None
                ) -> list[tuple[str, str, str, str]]:
    """(variant, setting, reference value, variant value) for every setting a variant really changes,
    in table order. A setting one of the two does not read and the other leaves unset is no change;
    the settings only the reference reads are one row, `not read`, rather than one row each."""
    ref = groups.get(reference)
    base = ref.data.params if ref is not None else {}
    rows = []
    for variant in [v for v in (order or list(groups)) if v in groups and v != reference]:
        params = groups[variant].data.params
        unread = []
        for key in sorted(set(base) | set(params)):
            a, b = base.get(key), params.get(key)
            if key in _IGNORED or a == b or (a in _UNSET and b in _UNSET):
                continue
            if key not in params:
                unread.append(key)
            else:
                rows.append((variant, key, "—" if a is None else a, b))
        if unread:
            prefixes = sorted({k.split(".")[0] for k in unread})
            rows.append((variant, "not read: " + ", ".join(prefixes), f"{len(unread)} settings", "—"))
    return rows


def build(uri: str, name_or_id: str, metric: str = "test_f1", ui: str | None = None) -> str:
    """The page; links go to `ui`, else to the tracking server itself, else to `mlflow ui`'s default
    address for a local database."""
    client = _client(uri)
    parent = find_parent(client, name_or_id)
    table = compare(uri, parent.info.run_id, metric=metric)
    seeds = _seeds_under(client, parent)
    exp_id = parent.info.experiment_id
    found = client.search_runs([exp_id], f"tags.`{PARENT}` = '{parent.info.run_id}' and "
                                         f"tags.`{LEVEL}` = 'group'", max_results=5000)
    groups: dict[str, Any] = {}
    for g in found:  # one group per variant x language; the first language's params stand for it
        groups.setdefault(g.data.tags.get("variant", "?"), g)
    base = (ui or (uri if uri.startswith("http") else DEFAULT_UI)).rstrip("/")
    extra = "".join(f"<section><h3>{html.escape(t.metric)}</h3>\n{_table_html(t, {})}</section>\n"
                    for _, t in type_tables(uri, parent.info.run_id, metric=metric))
    try:
        errors = error_analysis(uri, parent.info.run_id)
        extra += f"<section><h3>Span errors</h3>\n{markdown_html(errors)}</section>\n"
    except RunNotFoundError as exc:  # runs without prediction artifacts
        extra += f"<p class=note>No span-error analysis: {html.escape(str(exc))}</p>\n"
    return page(table, parent, groups, curves(client, seeds),
                config_diff(groups, table.reference, table.variants), base, exp_id, extra)


def markdown_html(text: str) -> str:
    """The span-error markdown as a page shows it: `|` blocks as tables (header, rule, rows), `#`
    lines as headings, the rest as paragraphs; every cell escaped."""
    out, block = [], []

    def flush() -> None:
        if not block:
            return
        rows = [[c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
                for line in block if not set(line.replace("|", "").strip()) <= set(":- ")]
        head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
        out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        block.clear()

    for line in text.splitlines():
        if line.lstrip().startswith("|"):
            block.append(line)
            continue
        flush()
        if line.startswith("#"):
            level = min(6, 2 + len(line) - len(line.lstrip("#")))
            out.append(f"<h{level}>{html.escape(line.lstrip('#').strip())}</h{level}>")
        elif line.strip().startswith("**") and line.strip().endswith("**"):
            out.append(f"<p><b>{html.escape(line.strip().strip('*'))}</b></p>")
        elif line.strip():
            out.append(f"<p>{html.escape(line.strip())}</p>")
    flush()
    return "\n".join(out)


def _table_html(table: AblationTable, links: dict[str, str]) -> str:
    grid = table._grid()
    head = "<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in grid[0]) + "</tr>"
    body = []
    for row in grid[1:]:
        name = html.escape(row[0])
        if row[0] in links:
            name = f'<a href="{html.escape(links[row[0]])}">{name}</a>'
        body.append("<tr>" + f"<td>{name}</td>" + "".join(f"<td>{html.escape(c)}</td>" for c in row[1:])
                    + "</tr>")
    notes = "".join(f"<p class=note>{html.escape(n)}</p>" for n in [*table.marks, *table.notes])
    return f"<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>{notes}"


def page(table: AblationTable, parent: Any, groups: dict[str, Any], curve_data: Curves, diff: list,
         base: str, exp_id: str, extra: str = "") -> str:
    links = {v: mlflow_ui.run_url(base, exp_id, g.info.run_id) for v, g in groups.items()}
    figure = _svg(lambda p: table.plot(p))
    drawn, single = curve_stages(curve_data) if curve_data else ([], [])
    curve_svg = (_svg(lambda p: plot_curves(curve_data, p, "dev_f1", _atomic, table.variants)) if drawn
                 else "<p>No per-epoch curves of two or more epochs were logged.</p>")
    if single:
        curve_svg += (f"<p class=note>One epoch each, so not drawn: {html.escape(', '.join(single))} "
                      "(their dev F1 is on the seed runs).</p>")
    diff_rows = "".join(f"<tr><td>{html.escape(v)}</td><td><code>{html.escape(k)}</code></td>"
                        f"<td>{html.escape(str(a))}</td><td>{html.escape(str(b))}</td></tr>"
                        for v, k, a, b in diff) or "<tr><td colspan=4>no differences</td></tr>"
    name = html.escape(parent.info.run_name or parent.info.run_id)
    parent_url = html.escape(mlflow_ui.run_url(base, exp_id, parent.info.run_id))
    runs_url = html.escape(mlflow_ui.experiment_url(base, exp_id))
    command = html.escape(parent.data.tags.get("xner.command", ""))
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{name}</title>\n<style>{_CSS}section{{margin:1.5em 0}}.note{{color:#555}}"
        "svg{max-width:100%;height:auto}</style></head>\n<body>\n"
        f"<h2>{name}</h2>\n<p>{html.escape(describe(parent))}</p>\n"
        f"<p>xner {command} · <a href=\"{parent_url}\">parent run</a> · "
        f"<a href=\"{runs_url}\">all seed runs</a> (MLflow UI at {html.escape(base)})</p>\n"
        f"<section><h3>{html.escape(table.metric)} (reference: {html.escape(table.reference)})</h3>\n"
        f"{_table_html(table, links)}</section>\n"
        f"<section><h3>Ablation figure</h3>\n{figure}</section>\n"
        f"<section><h3>Per-epoch target dev F1 of each stage (mean ± std over seeds)</h3>\n{curve_svg}"
        "</section>\n<section><h3>What each variant changes</h3>\n<table><thead><tr><th>variant</th>"
        f"<th>setting</th><th>{html.escape(table.reference)}</th><th>variant</th></tr></thead>"
        f"<tbody>{diff_rows}</tbody></table></section>\n{extra}</body></html>\n")


def write(uri: str, name_or_id: str, out: Path, metric: str = "test_f1", ui: str | None = None) -> Path:
    text = build(uri, name_or_id, metric, ui)
    return _atomic(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
