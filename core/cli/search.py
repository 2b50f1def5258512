"""`xner search EXPERIMENT`: Optuna over the experiment's `search:` block, or `--rerun-best`."""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from ..commands import run as ab
from ..plugins import SEARCH_POOLS
from ..search import command as se


def _cmd_search(args: argparse.Namespace) -> int:
    if args.rerun_best:
        best, path, out = se.rerun_best(args.experiment, args.set, storage=args.storage,
                                        study_name=args.study, best_out=args.best_out, device=args.device,
                                        track=not args.no_track, tracking_uri=args.tracking_uri)
        sys.stdout.write(ab.report(out, args.tracking_uri) + "\n")
        sys.stdout.write(f"best trial #{best.number} (search dev F1 {best.value:.2f}) rerun from {path}\n")
        return 1 if any("error" in r for rows in out.results.values() for r in rows) else 0
    res = se.search(args.experiment, args.set, n_trials=args.n_trials, storage=args.storage,
                    device=args.device, track=not args.no_track, tracking_uri=args.tracking_uri,
                    study_name=args.study,
                    workers=args.workers, seeds=args.seeds, pruner=args.pruner, executor=args.executor,
                    ray_address=args.ray_address, best_out=args.best_out)
    states = Counter(t.state.name for t in res.study.trials)
    best = se.best_trial(res.study)
    line = (f"study {res.study.study_name}: {len(res.study.trials)} trials "
            f"({', '.join(f'{n} {s.lower()}' for s, n in sorted(states.items()))}); {res.ran} run here")
    if best is not None:
        line += f"; best #{best.number} target dev F1 {best.value:.2f}; its experiment: {res.best_yaml}"
    sys.stdout.write(line + "\n")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    se = sub.add_parser(
        "search", help="Optuna over search.space, maximising mean target-dev F1",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Create or join an Optuna study over the experiment's `search:` block. Workers that\n"
        "share --storage share the study; the trial budget (--n-trials) is the study's, not each\n"
        "worker's. Examples:\n"
        "  xner search experiments/demo/transadv.yaml --n-trials 20 --workers 2\n"
        "  xner search experiments/proxy/advpicker.yaml --storage postgresql://u:pw@db/optuna\n"
        "  xner search experiments/demo/transadv.yaml --rerun-best")
    se.add_argument("experiment", metavar="EXPERIMENT")
    se.add_argument("--set", action="append", default=[], metavar="A.B=C")
    se.add_argument("--n-trials", type=int, default=None,
                    help="trials in the study (default: search.n_trials)")
    se.add_argument("--workers", type=int, default=None, help="workers from this command (default: "
                    "search.workers); processes, or Ray tasks with --executor ray")
    se.add_argument("--seeds", type=int, default=None, help="objective: mean dev F1 over the first K seeds "
                    "(default: search.seeds = 1)")
    se.add_argument("--storage", default=None, help="journal file (default: beside the store) or RDB URL, "
                    "e.g. postgresql://user:pw@host/db")
    se.add_argument("--study", default=None, help="study name (default: search.study or the experiment name)")
    se.add_argument("--pruner", choices=("median", "hyperband", "none"), default=None)
    se.add_argument("--executor", choices=SEARCH_POOLS.names(), default=None)
    se.add_argument("--ray-address", default=None)
    se.add_argument("--rerun-best", action="store_true",
                    help="run the best trial's experiment on every seed, test included, instead of searching")
    se.add_argument("--best-out", default=None, help="where the best trial's YAML goes "
                    "(default: <store>/../search/<study>.best.yaml)")
    se.add_argument("--device", default="auto")
    se.add_argument("--tracking-uri", default=None)
    se.add_argument("--no-track", action="store_true")
    se.set_defaults(func=_cmd_search)
