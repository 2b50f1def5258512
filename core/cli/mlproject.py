"""The `MLproject` entry points: check each parameter's type and value, then call the `xner` CLI.

mlflow passes every parameter as text and checks nothing, so a float where an int is meant, a
device name like `gpu` or a missing experiment file must be caught here, with a message naming the
parameter, before a run starts.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from ..errors import ConfigError

_DEVICE = re.compile(r"auto|cpu|cuda(:\d+)?")
FORMATS = ("md", "csv", "html", "latex")


def _experiment(value: str) -> str:
    if not Path(value).is_file():
        raise ConfigError(f"parameter experiment: {value!r} is not a file")
    return value


def _device(value: str) -> str:
    if not _DEVICE.fullmatch(value):
        raise ConfigError(f"parameter device: {value!r} is not auto, cpu, cuda or cuda:N")
    return value


def _count(value: str, name: str = "n_trials") -> int:
    """MLproject declares counts as float (its only numeric type); they must still be whole numbers."""
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"parameter {name}: {value!r} is not a number") from None
    if number < 0 or not number.is_integer():
        raise ConfigError(f"parameter {name}: {value!r} is not a whole number >= 0")
    return int(number)


def _overrides(value: str) -> list[str]:
    """`a.b=1 c=[x,y]` (shell-quoted, space-separated) -> ['--set', 'a.b=1', '--set', 'c=[x,y]']."""
    out: list[str] = []
    for item in shlex.split(value):
        if "=" not in item:
            raise ConfigError(f"parameter overrides: {item!r} is not KEY=VALUE")
        out += ["--set", item]
    return out


def to_cli(argv: Sequence[str]) -> list[str]:
    p = argparse.ArgumentParser(prog="python -m xner.core.cli.mlproject")
    p.add_argument("entry", choices=("run", "ablate", "search", "compare", "analyze"))
    p.add_argument("--experiment")
    p.add_argument("--variant", default="")
    p.add_argument("--overrides", default="")
    p.add_argument("--device", default="auto")
    p.add_argument("--metric", default="test_f1")
    p.add_argument("--n-trials", default="0")
    p.add_argument("--storage", default="")
    p.add_argument("--workers", default="0")
    p.add_argument("--seeds", default="0")
    p.add_argument("--name-or-id", default="")
    p.add_argument("--format", default="md")
    a = p.parse_args(argv)
    if a.entry == "compare":
        if not a.name_or_id:
            raise ConfigError("parameter name_or_id: required")
        if a.format not in FORMATS:
            raise ConfigError(f"parameter format: {a.format!r} is not one of {', '.join(FORMATS)}")
        return ["compare", a.name_or_id, "--metric", a.metric, "--format", a.format]
    if not a.experiment:
        raise ConfigError("parameter experiment: required")
    cmd = [a.entry, _experiment(a.experiment), *_overrides(a.overrides), "--device", _device(a.device)]
    if a.entry == "run" and a.variant:
        cmd += ["--variant", a.variant]
    if a.entry == "ablate":
        cmd += ["--metric", a.metric]
    if a.entry == "search":
        trials = _count(a.n_trials)
        cmd += ["--n-trials", str(trials)] if trials else []
        cmd += ["--storage", a.storage] if a.storage else []
        for flag, value in (("--workers", a.workers), ("--seeds", a.seeds)):
            n = _count(value, flag[2:])
            cmd += [flag, str(n)] if n else []
    return cmd


def main(argv: Sequence[str] | None = None) -> int:
    from .main import main as cli_main

    try:
        cmd = to_cli(list(sys.argv[1:] if argv is None else argv))
    except ConfigError as err:
        sys.stderr.write(f"xner (MLproject): {err}\n")
        return 2
    return cli_main(cmd)


if __name__ == "__main__":
    sys.exit(main())
