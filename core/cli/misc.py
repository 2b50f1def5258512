"""`xner components` and `xner demo`: what can be named in a YAML, and the embedded demo."""

from __future__ import annotations

import argparse
import sys

from ..commands.demo import run_demo
from ..plugins import Registry


def _cmd_components(args: argparse.Namespace) -> int:
    for family, reg in Registry.families().items():
        if args.family and family != args.family:
            continue
        sys.stdout.write(f"{family}:\n")
        for name, doc in reg.describe().items():
            sys.stdout.write(f"  {name:<18} {doc}\n")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    return run_demo(out_dir=args.out, seeds=args.seeds, tracking_uri=args.tracking_uri,
                    track=not args.no_track, overrides=args.set)


def add_components(sub: argparse._SubParsersAction) -> None:
    comps = sub.add_parser("components", help="list every component family and its names")
    comps.add_argument("family", nargs="?", default=None)
    comps.set_defaults(func=_cmd_components)


def add_demo(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser("demo", help="the embedded demo: generated corpus, tiny model, five seeds")
    demo.add_argument("--out", default="demo-out", help="where the demo corpus and outputs go")
    demo.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    demo.add_argument("--tracking-uri", default=None, help="default: $MLFLOW_TRACKING_URI, else sqlite:///mlflow.db")
    demo.add_argument("--no-track", action="store_true", help="do not log to MLflow")
    demo.add_argument("--set", action="append", default=[], metavar="A.B=C",
                      help="override a value of the demo experiment, e.g. train.epochs=1")
    demo.set_defaults(func=_cmd_demo)
