"""`xner plan | status | run | ablate | track EXPERIMENT`: the commands over one experiment file."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from ..commands import run as ab
from ..commands.track import journals, replay
from ..config.loader import load_experiment
from ..plugins import EXECUTORS
from ..reporting import status
from ..reporting.costs import render_costs
from ..reporting.plan import render_plan
from ..runner import Experiment, build

log = logging.getLogger(__name__)


def _build(args: argparse.Namespace) -> Experiment:
    variants = args.variant or []
    everything = getattr(args, "all_variants", False)
    if everything:  # the base and every variant, as `ablate` runs them: one plan, shared nodes once
        variants = list(load_experiment(args.experiment, args.set).variants)
    return build(args.experiment, args.set, variants, include_base=everything or not variants,
                 reuse_other_code=args.reuse_other_code)


def _cmd_plan(args: argparse.Namespace) -> int:
    exp = _build(args)
    sys.stdout.write(render_costs(exp) if args.cost else render_plan(exp))
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    args.all_variants = True
    exp = _build(args)
    sys.stdout.write(status.render(status.grid(exp), exp.store.root) + "\n")
    return 0


def _cmd_run(args: argparse.Namespace, ablate: bool = False) -> int:
    out = ab.execute(args.experiment, args.set, args.variant, ablate=ablate, device=args.device,
                     track=not args.no_track, tracking_uri=args.tracking_uri, metric=args.metric,
                     command="ablate" if ablate else "run", fail_fast=args.fail_fast, only_seeds=args.seed,
                     reuse_other_code=args.reuse_other_code, executor=args.executor,
                     ray_address=args.ray_address)
    sys.stdout.write(ab.report(out, args.tracking_uri) + "\n")
    failed = any("error" in r for rows in out.results.values() for r in rows)
    return 1 if failed else 0


def _cmd_ablate(args: argparse.Namespace) -> int:
    return _cmd_run(args, ablate=True)


def _cmd_track(args: argparse.Namespace) -> int:
    cfg = load_experiment(args.experiment, args.set)
    found = journals(args.experiment, cfg.store, include_tracked=args.all)
    if not found:
        sys.stdout.write(f"nothing to track: every command of {args.experiment} in {cfg.store} is logged "
                         f"(--all logs them again, idempotently)\n")
        return 0
    for j in found:
        parent = replay(j, args.tracking_uri)
        if parent:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(j.record["started"]))
            sys.stdout.write(f"{j.record['command']} of {when} ({len(j.record['outcomes'])} seeds, "
                             f"{j.record['status']}): parent run {parent}\n")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    for name, func, helptext in (
        ("plan", _cmd_plan, "every node: stage, seed, language, cached or to run"),
        ("status", _cmd_status, "what a running or finished grid has done (every variant), from the store"),
        ("run", _cmd_run, "run what is missing (resume), log to MLflow, print F1 per language"),
        ("ablate", _cmd_ablate, "run the base and every variant, then print and log the ablation table"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("experiment", metavar="EXPERIMENT", help="YAML experiment file")
        if name not in ("ablate", "status"):
            p.add_argument("--variant", action="append", help="a named variant (repeatable); default: base")
        if name == "plan":
            p.add_argument("--all-variants", action="store_true",
                           help="the base and every variant (what `ablate` runs), shared nodes once")
            p.add_argument("--cost", action="store_true",
                           help="per row and language: the time of its finished nodes, run alone and added "
                           "to the table (the nodes no other row shares)")
        p.add_argument("--set", action="append", default=[], metavar="A.B=C", help="override a value")
        p.add_argument("--reuse-other-code", action="store_true",
                       help="serve nodes cached under other stage code versions instead of retraining")
        if name not in ("plan", "status"):
            p.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
            p.add_argument("--tracking-uri", default=None,
                           help="MLflow URI; default: $MLFLOW_TRACKING_URI, else sqlite:///mlflow.db")
            p.add_argument("--no-track", action="store_true", help="do not log to MLflow")
            p.add_argument("--metric", default="test_f1", help="table metric (with several variants)")
            p.add_argument("--fail-fast", action="store_true", help="stop at the first failed seed")
            p.add_argument("--executor", choices=EXECUTORS.names(), default=None,
                           help="default: execution.executor (local); ray: every missing node a Ray task")
            p.add_argument("--ray-address", default=None,
                           help="join a Ray cluster ('auto', ray://host:10001); default: a local one")
            p.add_argument("--seed", type=int, action="append", default=None,
                           help="run only this seed's targets (repeatable); AdvPicker still trains its "
                                "whole ensemble")
        p.set_defaults(func=func, variant=None)

    tk = sub.add_parser("track", help="log to MLflow what commands of EXPERIMENT left only in the store",
                        description="Replay the store's journals of EXPERIMENT into MLflow: commands run "
                        "with --no-track, or whose tracking server went away, or that were killed. "
                        "Idempotent. Example: xner track experiments/demo/transadv.yaml")
    tk.add_argument("experiment", metavar="EXPERIMENT")
    tk.add_argument("--set", action="append", default=[], metavar="A.B=C", help="as given to the run (store)")
    tk.add_argument("--tracking-uri", default=None, help="default: the URI each command used")
    tk.add_argument("--all", action="store_true", help="also commands already logged (finds, keeps them)")
    tk.set_defaults(func=_cmd_track)
