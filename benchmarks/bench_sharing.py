"""Nodes an ablation trains with content-addressed sharing vs without, for every ablation file.

Why: the point of caching stages by content is that variants, seeds and trials reuse what they share;
this counts, from the plans alone (nothing trains), how many training nodes (source, teacher, distill)
each ablation needs against the naive count. Run: `python -m benchmarks.bench_sharing`.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from xner.core import runner
from xner.core.commands.run import TRAINING, naive_training
from xner.core.config.loader import load_experiment
from xner.core.engine.graph import topological

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1] / "experiments" / "ablations"


def run() -> list[str]:
    from xner.core.demo.write import write_demo_corpus

    demo = Path(os.environ.setdefault("XNER_DEMO_DATA", "/tmp/xner-bench-demo/data"))
    if not (demo / "mt").exists():
        write_demo_corpus(demo)
    lines = [f"{'ablation':<46} {'rows':>4} {'trained':>8} {'naive':>6} {'ratio':>6}"]
    for path in sorted(ROOT.glob("**/*.yaml")):
        try:
            exp = runner.build(path, [], list(load_experiment(path).variants))
        except Exception as err:  # e.g. ../shared absent for proxy twins
            lines.append(f"{path.relative_to(ROOT)!s:<46} skipped: {err}")
            continue
        shared = [n for n in topological([t.node for t in exp.targets]) if n.stage in TRAINING]
        naive = naive_training(exp)
        lines.append(f"{path.relative_to(ROOT)!s:<46} {len(exp.configs):>4} {len(shared):>8} {naive:>6} "
                     f"{naive / len(shared):>5.1f}x")
    return lines


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    for line in run():
        sys.stdout.write(line + "\n")


if __name__ == "__main__":
    main()
