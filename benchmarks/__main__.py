"""`python -m benchmarks` (`make bench`): every benchmark once, each printing its side-by-side ratio."""

from __future__ import annotations

import importlib
import sys

NAMES = ("bench_metrics", "bench_viterbi", "bench_batching", "bench_translate", "bench_sharing",
         "bench_store", "bench_executors", "bench_train", "bench_frozen",
         "bench_memory", "bench_store_size", "bench_predict", "bench_knn", "bench_startup")


def main() -> int:
    for name in NAMES:
        sys.stdout.write(f"== {name} ==\n")
        for line in importlib.import_module(f"benchmarks.{name}").run():
            sys.stdout.write(f"{line}\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
