"""What verifying the store costs a cached run: the per-read check (stat + manifest checksum) against
hashing every checkpoint on every read, side by side on the same store.

Why: every manifest carries sha256s, but hashing a TransAdv seed's mBERT checkpoints (several 0.7 GB
files) on every cached run would make `xner run` on a finished grid take minutes. The store therefore
checks sizes, mtimes and the manifest's checksum on read and hashes only what moved, or everything on
`xner store verify`. Run: `python -m benchmarks.bench_store [--mb 256] [--nodes 8]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from xner.core.engine.graph import Node, execute
from xner.core.engine.store import Store


def _build(root: Path, nodes: int, mb: int) -> list[Node]:
    chunk = os.urandom(1 << 20)

    def stage(ctx) -> dict:
        with open(ctx.out / "model.pt", "wb") as f:
            for _ in range(mb):
                f.write(chunk)
        (ctx.out / "curve.json").write_text("[]")
        return {"f1": 1.0}

    targets = [Node("source", {"i": i}) for i in range(nodes)]
    execute(targets, Store(root), {"source": stage})
    return targets


def _time(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run(mb: int = 256, nodes: int = 8) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="xner-bench-store-") as tmp:
        targets = _build(Path(tmp), nodes, mb)
        def check() -> None:
            store = Store(tmp)  # fresh: nothing verified in memory, as in a new `xner run`
            assert all(store.has(n.stage, n.key) for n in targets)

        cheap = _time(check)
        full = _time(lambda: Store(tmp).verify(full=True), repeat=1)
    gb = nodes * mb / 1024
    return [f"{nodes} nodes x {mb} MiB checkpoint ({gb:.1f} GiB)",
            f"per-read check (stat + manifest checksum): {cheap * 1000:8.1f} ms",
            f"sha256 of every artifact (store verify):    {full * 1000:8.1f} ms  ({gb / full:.2f} GiB/s)",
            f"ratio: hashing on every read would cost {full / cheap:,.0f}x the per-read check"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=256)
    parser.add_argument("--nodes", type=int, default=8)
    args = parser.parse_args()
    for line in run(args.mb, args.nodes):
        sys.stdout.write(line + "\n")


if __name__ == "__main__":
    main()
