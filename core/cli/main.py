"""The `xner` command line: one entry point, subcommands per job.

Every `XnerError` (bad config, malformed data, unknown component) becomes one readable line and exit
status 2 instead of a traceback, because the user needs the `path:line` or YAML path, not our stack.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Terminated, XnerError, raise_terminated
from .data import add_data_commands
from .examples import add_examples
from .report import add_report_command
from .store import add_store_commands

if TYPE_CHECKING:
    from ..engine.graph import Node

log = logging.getLogger("xner")


def _cmd_components(args: argparse.Namespace) -> int:
    import xner.registry  # noqa: F401  (registers every component)

    from ..plugins import Registry

    for family, reg in Registry.families().items():
        if args.family and family != args.family:
            continue
        sys.stdout.write(f"{family}:\n")
        for name, doc in reg.describe().items():
            sys.stdout.write(f"  {name:<18} {doc}\n")
    return 0


def _load_components() -> None:
    import xner.registry  # noqa: F401  (the one place core loads every component)


def _build(args: argparse.Namespace):  # -> runner.Experiment
    from ..runner import experiment as runner

    _load_components()
    variants = args.variant or []
    everything = getattr(args, "all_variants", False)
    if everything:  # the base and every variant, as `ablate` runs them: one plan, shared nodes once
        from ..config.loader import load_experiment

        variants = list(load_experiment(args.experiment, args.set).variants)
    return runner.build(args.experiment, args.set, variants, include_base=everything or not variants,
                        reuse_other_code=args.reuse_other_code)


def _upstream_seeds(node: Node) -> str:
    """A seedless node (pseudo labels, selection) shows the seeds of the models it combines: (1),
    or (1,2,3) for an AdvPicker ensemble; '-' when nothing upstream has a seed."""
    seeds: set[int] = set()
    todo = list(node.inputs.values())
    while todo:
        up = todo.pop()
        if up.seed is not None:
            seeds.add(up.seed)
        else:
            todo.extend(up.inputs.values())
    return f"({','.join(map(str, sorted(seeds)))})" if seeds else "-"


def _models_of(node: Node) -> str:
    """The teachers/models a pseudo-label node unites (what tells two variants' rows apart);
    a selection shows its pseudo-label node's."""
    roles = sorted(r.split(":", 1)[1] for r in node.inputs if r.startswith("model:"))
    if all(r.isdigit() for r in roles) and roles:  # an ensemble of seeds: the seed column says it
        return ""
    if roles or node.stage != "select":  # Θsrc by its discriminators: variants differ there
        return "+".join(node.inputs["model:source"].name if r == "source" else r for r in roles)
    return next((_models_of(up) for up in node.inputs.values()), "")


def _cmd_plan(args: argparse.Namespace) -> int:
    from ..runner import experiment as runner

    exp = _build(args)
    p = runner.plan(exp)
    for row in p.rows:
        n = row.node
        status = "cached" if row.cached else ("other" if row.other_code else "to-run")
        where = f"  (cached under other code as {row.other_code})" if row.other_code else ""
        seed = n.seed if n.seed is not None else _upstream_seeds(n)
        via = _models_of(n)
        sys.stdout.write(f"{status:<7} {n.name:<28} lang={n.lang or '-':<3} seed={seed:<3} {n.key}"
                         f"{f'  models={via}' if via else ''}{where}\n")
    sys.stdout.write(f"{len(p.rows)} nodes: {p.to_run} to run, {p.cached} cached "
                     f"(naive count without sharing: {p.naive})\n")
    if p.other_code:
        sys.stdout.write(f"{p.other_code} of the nodes to run are cached under other code: a run retrains "
                         f"them; `--reuse-other-code` serves the old results knowingly\n")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from ..reporting import status

    args.all_variants = True
    exp = _build(args)
    sys.stdout.write(status.render(status.grid(exp), exp.store.root) + "\n")
    return 0


def _cmd_run(args: argparse.Namespace, ablate: bool = False) -> int:
    from ..commands import run as ab

    _load_components()
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


def _cmd_search(args: argparse.Namespace) -> int:
    from ..search import command as se

    _load_components()
    if args.rerun_best:
        from ..commands import run as ab

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


def _cmd_compare(args: argparse.Namespace) -> int:
    from ..reporting.compare import compare, render
    from ..tracking.tracker import resolve_tracking_uri

    uri = resolve_tracking_uri(args.tracking_uri)
    runs = [r for chunk in args.runs for r in chunk.split(",") if r]
    table = compare(uri, args.name_or_id, runs, metric=args.metric)
    text = render(table, args.format)
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


def _cmd_track(args: argparse.Namespace) -> int:
    from ..commands.track import journals, replay
    from ..config.loader import load_experiment

    _load_components()
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


def _cmd_demo(args: argparse.Namespace) -> int:
    from ..commands.demo import run_demo

    return run_demo(out_dir=args.out, seeds=args.seeds, tracking_uri=args.tracking_uri,
                    track=not args.no_track)


def _version() -> str:
    """xner's version as installed, with torch's build: what a bug report needs first."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        own = version("xner")
    except PackageNotFoundError:
        own = "unknown (not installed)"
    try:
        torch_version = version("torch")
    except PackageNotFoundError:
        torch_version = "absent"
    return f"{own} (torch {torch_version})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xner",
        description="Run, ablate and tune zero-resource cross-lingual NER methods.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--version", action="version", version=f"xner {_version()}",
                        help="the installed xner version, and torch's, with its CUDA build")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    add_data_commands(sub)

    comps = sub.add_parser("components", help="list every component family and its names")
    comps.add_argument("family", nargs="?", default=None)
    comps.set_defaults(func=_cmd_components)

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
            p.add_argument("--executor", choices=("local", "ray"), default=None,
                           help="default: execution.executor (local); ray: every missing node a Ray task")
            p.add_argument("--ray-address", default=None,
                           help="join a Ray cluster ('auto', ray://host:10001); default: a local one")
            p.add_argument("--seed", type=int, action="append", default=None,
                           help="run only this seed's targets (repeatable); AdvPicker still trains its "
                                "whole ensemble")
        p.set_defaults(func=func, variant=None)

    add_store_commands(sub)

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
    se.add_argument("--executor", choices=("local", "ray"), default=None)
    se.add_argument("--ray-address", default=None)
    se.add_argument("--rerun-best", action="store_true",
                    help="run the best trial's experiment on every seed, test included, instead of searching")
    se.add_argument("--best-out", default=None, help="where the best trial's YAML goes "
                    "(default: <store>/../search/<study>.best.yaml)")
    se.add_argument("--device", default="auto")
    se.add_argument("--tracking-uri", default=None)
    se.add_argument("--no-track", action="store_true")
    se.set_defaults(func=_cmd_search)

    cmp_ = sub.add_parser("compare", help="rebuild an ablation table from MLflow alone")
    cmp_.add_argument("name_or_id", nargs="?", metavar="NAME_OR_RUN_ID",
                      help="parent run id, parent run name or MLflow experiment name (newest run)")
    cmp_.add_argument("--runs", action="append", default=[], help="run ids (comma-separated, repeatable)")
    cmp_.add_argument("--metric", default="test_f1", help="e.g. test_f1, dev_f1, test_strict_f1")
    cmp_.add_argument("--format", choices=("md", "csv", "html", "latex"), default="md")
    cmp_.add_argument("--output", default=None, help="write to this file instead of stdout")
    cmp_.add_argument("--tracking-uri", default=None)
    cmp_.set_defaults(func=_cmd_compare)

    add_report_command(sub)

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

    tk = sub.add_parser("track", help="log to MLflow what commands of EXPERIMENT left only in the store",
                        description="Replay the store's journals of EXPERIMENT into MLflow: commands run "
                        "with --no-track, or whose tracking server went away, or that were killed. "
                        "Idempotent. Example: xner track experiments/demo/transadv.yaml")
    tk.add_argument("experiment", metavar="EXPERIMENT")
    tk.add_argument("--set", action="append", default=[], metavar="A.B=C", help="as given to the run (store)")
    tk.add_argument("--tracking-uri", default=None, help="default: the URI each command used")
    tk.add_argument("--all", action="store_true", help="also commands already logged (finds, keeps them)")
    tk.set_defaults(func=_cmd_track)

    demo = sub.add_parser("demo", help="the embedded demo: generated corpus, tiny model, five seeds")
    demo.add_argument("--out", default="demo-out", help="where the demo corpus and outputs go")
    demo.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    demo.add_argument("--tracking-uri", default=None, help="default: $MLFLOW_TRACKING_URI, else sqlite:///mlflow.db")
    demo.add_argument("--no-track", action="store_true", help="do not log to MLflow")
    demo.set_defaults(func=_cmd_demo)
    add_examples(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    for handler in logging.getLogger().handlers:  # the terminal's level, whatever the full log takes
        handler.setLevel(level)
    if not args.verbose:  # one progress view of ours, not a "Loading weights" bar per model load
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        return int(args.func(args))
    except XnerError as err:
        log.error("%s", err)
        return 2
    except KeyboardInterrupt as stop:
        what = "terminated (SIGTERM)" if isinstance(stop, Terminated) else "interrupted"
        log.error("%s: every finished node is in the store, MLflow runs are closed as KILLED; run the "
                  "same command to resume", what)
        return 143 if isinstance(stop, Terminated) else 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def entry() -> None:
    """The `xner` command. After Ctrl-C or SIGTERM it leaves with os._exit once its own cleanup is
    done: a signal landing inside a library's ThreadPoolExecutor.submit can leave a worker thread
    that interpreter shutdown waits for forever (seen once in 20 interrupted runs)."""
    code = main()
    if code in (130, 143):
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
