"""`xner compare | report | analyze`: tables, the one-page HTML and the papers' diagnostics."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from pathlib import Path

from ..plugins import TABLE_FORMATS

log = logging.getLogger(__name__)


def _cmd_compare(args: argparse.Namespace) -> int:
    from ..reporting.compare import compare, render
    from ..tracking.uri import resolve_tracking_uri

    uri = resolve_tracking_uri(args.tracking_uri)
    runs = [r for chunk in args.runs for r in chunk.split(",") if r]
    name = args.run_id or args.name_or_id
    if args.by_type or args.errors:
        from ..reporting.by_type import error_analysis, type_tables

        parts = []
        if args.by_type:
            parts += [render(t, args.format) for _, t in type_tables(uri, name, runs, metric=args.metric)]
        if args.errors:
            parts.append(error_analysis(uri, name, runs, top=args.errors))
        text = "\n".join(parts)
    else:
        text = render(compare(uri, name, runs, metric=args.metric), args.format)
    if args.output:
        Path(args.output).write_text(text)
        log.info("wrote %s", args.output)
    else:
        sys.stdout.write(text + ("" if text.endswith("\n") else "\n"))
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    from ..commands.analyze import analyze, log_analysis

    result = analyze(args.experiment, args.set, device=args.device, probe_sentences=args.probe_sentences,
                     probe=not args.no_probe)
    if not result.tables:
        log.error("nothing to analyse: run the experiment first (xner ablate %s)", args.experiment)
        return 1
    text = result.markdown()
    sys.stdout.write(text)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    if not args.no_track:
        from ..config.loader import load_experiment

        cfg = load_experiment(args.experiment, args.set)
        run_id = log_analysis(result, args.experiment, args.tracking_uri, cfg.tracking.experiment or cfg.name)
        log.info("diagnostics logged as MLflow run %s", run_id)
    return 0



def _cmd_report(args: argparse.Namespace) -> int:
    from ..reporting import html as report
    from ..tracking.uri import resolve_tracking_uri

    uri = resolve_tracking_uri(args.tracking_uri)
    name = args.run_id or args.name_or_id
    if not name:
        log.error("report: give NAME_OR_RUN_ID or --run-id")
        return 2
    out = Path(args.output or f"report-{re.sub(r'[^A-Za-z0-9._-]+', '_', name)}.html")
    path = report.write(uri, name, out, metric=args.metric, ui=args.ui_url)
    sys.stdout.write(f"report: {path.resolve()} ({path.stat().st_size / 1024:.0f} KB, self-contained)\n")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    rep = sub.add_parser("report",
                         help="one self-contained HTML page: table, figures, config diff, run links")
    rep.add_argument("name_or_id", nargs="?", metavar="NAME_OR_RUN_ID",
                     help="parent run id, or a run or experiment name: its newest ablate or search run")
    rep.add_argument("--run-id", default=None, help="this parent run, whatever else matches the name")
    rep.add_argument("--metric", default="test_f1", help="table metric, e.g. test_f1, dev_f1")
    rep.add_argument("--ui-url", default=None, help="where links point: an MLflow UI (default: the "
                     "tracking server, or http://127.0.0.1:5000 for a local database)")
    rep.add_argument("--output", default=None, help="default: report-NAME_OR_RUN_ID.html here")
    rep.add_argument("--tracking-uri", default=None)
    rep.set_defaults(func=_cmd_report)

    cmp_ = sub.add_parser("compare", help="rebuild an ablation table from MLflow alone")
    cmp_.add_argument("name_or_id", nargs="?", metavar="NAME_OR_RUN_ID",
                      help="parent run id, or a run or experiment name: its newest ablate or search run")
    cmp_.add_argument("--run-id", default=None, help="this parent run, whatever else matches the name")
    cmp_.add_argument("--by-type", action="store_true",
                      help="one table per language: the metric per entity type (e.g. test_f1_PER)")
    cmp_.add_argument("--errors", type=int, nargs="?", const=5, default=0, metavar="N",
                      help="span confusion between types (boundary and type errors apart) and the N "
                      "sentences where each variant and the reference disagree most (default 5)")
    cmp_.add_argument("--runs", action="append", default=[], help="run ids (comma-separated, repeatable)")
    cmp_.add_argument("--metric", default="test_f1", help="e.g. test_f1, dev_f1, test_strict_f1")
    cmp_.add_argument("--format", choices=TABLE_FORMATS.names(), default="md")
    cmp_.add_argument("--output", default=None, help="write to this file instead of stdout")
    cmp_.add_argument("--tracking-uri", default=None)
    cmp_.set_defaults(func=_cmd_compare)

    an = sub.add_parser("analyze", help="the papers' diagnostics (probe, pseudo-label F1, test splits)")
    an.add_argument("experiment", metavar="EXPERIMENT")
    an.add_argument("--set", action="append", default=[], metavar="A.B=C")
    an.add_argument("--device", default="auto")
    an.add_argument("--probe-sentences", type=int, default=1000,
                    help="sentences per split for the language probe (Table 3)")
    an.add_argument("--no-probe", action="store_true", help="skip the language probe")
    an.add_argument("--output", default=None, help="also write the markdown here")
    an.add_argument("--tracking-uri", default=None)
    an.add_argument("--no-track", action="store_true")
    an.set_defaults(func=_cmd_analyze)
