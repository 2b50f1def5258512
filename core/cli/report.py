"""`xner report`: the one-page HTML of an ablation (core/reporting/html.py), from MLflow alone."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def _cmd_report(args: argparse.Namespace) -> int:
    from ..reporting import html as report
    from ..tracking.tracker import resolve_tracking_uri

    uri = resolve_tracking_uri(args.tracking_uri)
    out = Path(args.output or f"report-{re.sub(r'[^A-Za-z0-9._-]+', '_', args.name_or_id)}.html")
    path = report.write(uri, args.name_or_id, out, metric=args.metric)
    sys.stdout.write(f"report: {path.resolve()} ({path.stat().st_size / 1024:.0f} KB, self-contained)\n")
    return 0


def add_report_command(sub: argparse._SubParsersAction) -> None:
    rep = sub.add_parser("report",
                         help="one self-contained HTML page: table, figures, config diff, run links")
    rep.add_argument("name_or_id", metavar="NAME_OR_RUN_ID",
                     help="parent run id, parent run name or MLflow experiment name (newest run)")
    rep.add_argument("--metric", default="test_f1", help="table metric, e.g. test_f1, dev_f1")
    rep.add_argument("--output", default=None, help="default: report-NAME_OR_RUN_ID.html here")
    rep.add_argument("--tracking-uri", default=None)
    rep.set_defaults(func=_cmd_report)
