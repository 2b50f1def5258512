"""Wall time of one grid with the `local` executor against `ray` with N CPU workers, side by side.

Why: Ray's value is running independent seeds and variants at once; on 2 CPU cores that gain is
bounded by the cores and eaten by per-task overhead (a process per worker, imports, corpus loads), so
this prints the measured ratio instead of a promise. The grid: the demo TransAdv, 2 seeds, es and de,
the generated demo corpus. Run: `python -m benchmarks.bench_executors
[--workers 2] [--train 300]`.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

from xner.core import runner
from xner.core.config.loader import load_experiment
from xner.core.demo.write import write_demo_corpus

ROOT = Path(__file__).resolve().parents[1] / "experiments"
DEMO = ROOT / "demo" / "transadv.yaml"
TABLE3 = ROOT / "ablations" / "demo" / "transadv-table3.yaml"


def run(workers: int = 2, train: int = 300, table3: bool = False) -> list[str]:
    import os

    import ray

    with tempfile.TemporaryDirectory(prefix="xner-bench-exec-") as tmp:
        write_demo_corpus(Path(tmp) / "data")
        os.environ["XNER_DEMO_DATA"] = str(Path(tmp) / "data")
        if table3:  # the demo's Table 3 grid (9 rows) with 2 seeds, at the demo's own sizes
            path, sets = TABLE3, ["seeds=[1,2]"]
        else:
            path = DEMO
            sets = ["seeds=[1,2]", "data.target_langs=[es,de]", f"data.max_train_sentences={train}",
                    "data.max_eval_sentences=100"]
        times, f1 = {}, {}
        for executor, threads in (("local", None), ("local-1", 1), ("ray", None)):
            names = list(load_experiment(path).variants) if table3 else []
            threading = [f"execution.threads={threads}"] if threads else []
            exp = runner.build(path, [*sets, *threading, f"store={tmp}/{executor}"], names)
            if executor == "ray":
                t0 = time.perf_counter()
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
                times["ray start"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            _, results = runner.run(exp, executor=executor.split("-")[0])
            times[executor] = time.perf_counter() - t0
            f1[executor] = {k: [r["test_f1"] for r in v] for k, v in results.items()}
        ray.shutdown()
    nodes = len(exp.targets)
    grid = "demo Table 3, 9 rows x 2 seeds x es" if table3 else \
        f"demo TransAdv, 2 seeds x es, de, {train} training sentences"
    return [f"grid: {grid} ({nodes} targets)",
            f"local, every core:  {times['local']:7.1f} s",
            f"local, 1 thread:    {times['local-1']:7.1f} s",
            f"ray, {workers} CPU workers: {times['ray']:7.1f} s (+ {times['ray start']:.1f} s to start Ray)",
            f"ratio local / ray:  {times['local'] / times['ray']:7.2f}x",
            f"same F1, ray vs local at 1 thread (a task's thread count): {f1['local-1'] == f1['ray']}",
            f"same F1, ray vs local at every core: {f1['local'] == f1['ray']} (CPU GEMM bits follow the "
            "thread count)"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--train", type=int, default=300)
    parser.add_argument("--table3", action="store_true", help="the demo's whole Table 3 grid (minutes)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for line in run(args.workers, args.train, args.table3):
        sys.stdout.write(line + "\n")


if __name__ == "__main__":
    main()
