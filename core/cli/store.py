"""`xner store verify | du | gc`: checking, measuring and pruning the node store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _store_root(where: str) -> Path:
    """A store directory, or an experiment file whose `store:` names one."""
    p = Path(where)
    if p.is_file():
        from ..config.loader import load_experiment

        return Path(load_experiment(p).store)
    if not p.is_dir():
        from ..errors import ConfigError

        raise ConfigError(f"{where}: neither a store directory nor an experiment file")
    return p


def _cmd_store_verify(args: argparse.Namespace) -> int:
    from ..engine.store import Store

    store = Store(_store_root(args.store))
    checks = store.verify(full=not args.quick, repair=args.repair)
    damaged = [c for c in checks if c.problem]
    for c in damaged:
        action = "quarantined" if args.repair else "damaged"
        sys.stdout.write(f"{action} {c.stage}/{c.key}: {c.problem}\n")
    sys.stdout.write(f"{store.root}: {len(checks)} nodes, {len(damaged)} damaged"
                     + (" (moved to .quarantine/, the next run rebuilds them)" if damaged and args.repair
                        else " (--repair quarantines them)" if damaged else "") + "\n")
    return 1 if damaged else 0


def _cmd_store_du(args: argparse.Namespace) -> int:
    from ..engine.usage import render, usage

    root = _store_root(args.store)
    sys.stdout.write(render(usage(root), root) + "\n")
    return 0


def _cmd_store_gc(args: argparse.Namespace) -> int:
    from ..commands.gc import collect, render

    root = _store_root(args.store)
    victims = collect(root, args.experiments, args.set or [], dry_run=args.dry_run)
    sys.stdout.write(render(victims, root, args.dry_run) + "\n")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """The `store` command group, added to the main parser's subcommands."""
    st = sub.add_parser("store", help="check the node store")
    st_sub = st.add_subparsers(dest="store_command", metavar="STORE_COMMAND", required=True)
    ver = st_sub.add_parser("verify", help="sha256 every artifact against its manifest; exit 1 if damaged",
                            description="Check every node of a store against its manifest (sizes, "
                            "sha256, the manifest's own checksum). Example: xner store verify .xner/store")
    ver.add_argument("store", nargs="?", default=".xner/store", metavar="STORE_OR_EXPERIMENT")
    ver.add_argument("--repair", action="store_true",
                     help="move damaged nodes to .quarantine/ so that the next run rebuilds them")
    ver.add_argument("--quick", action="store_true", help="sizes and mtimes only, no hashing")
    ver.set_defaults(func=_cmd_store_verify)
    du = st_sub.add_parser("du", help="disk use per stage: nodes, bytes, bytes per node, largest files",
                           description="Disk use of a store per stage (hard links counted once). "
                           "Example: xner store du demo-out/store")
    du.add_argument("store", nargs="?", default=".xner/store", metavar="STORE_OR_EXPERIMENT")
    du.set_defaults(func=_cmd_store_du)
    gc = st_sub.add_parser("gc", help="remove nodes that no listed experiment reaches (--dry-run lists them)",
                           description="Remove every node of STORE that no variant, seed or language of "
                           "the listed experiments reaches (either precision). Example: xner store gc "
                           "demo-out/store experiments/ablations/demo/transadv-table3.yaml --dry-run")
    gc.add_argument("store", metavar="STORE")
    gc.add_argument("experiments", nargs="+", metavar="EXPERIMENT", help="experiments whose nodes to keep")
    gc.add_argument("--set", action="append", metavar="A.B=C", help="override applied to every experiment")
    gc.add_argument("--dry-run", action="store_true", help="list what would go, remove nothing")
    gc.set_defaults(func=_cmd_store_gc)
