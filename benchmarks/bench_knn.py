"""CoLaDa's kNN weights: how the chunk of queries trades time for memory, side by side.

The exact top-k runs over chunks of queries so that memory stays at `chunk x N` similarities (the
authors hold a faiss GPU index instead, a dependency xner does without). On N word vectors of the
proxy's size (384 dims, k = 500, the authors' k), each chunk size's seconds, its peak similarity
matrix, and the ratio to xner's default chunk. Random unit vectors: the search's cost does not depend
on what the vectors mean.
Run: `python -m benchmarks.bench_knn [--words 20000]`
"""

from __future__ import annotations

import argparse
import sys
import time

import torch

from xner.core.train.knn import consistency_weights, neighbours


def run(words: int = 20000, dim: int = 384, k: int = 500, repeats: int = 2) -> list[str]:
    torch.manual_seed(0)
    vectors = torch.randn(words, dim)
    labels = torch.randint(0, 9, (words,))
    default = max(1, (1 << 25) // words)
    out, timings = [], {}
    for chunk in sorted({256, default, 4096}):
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            neighbours(vectors, k, 1, chunk)
            best = min(best, time.perf_counter() - t0)
        timings[chunk] = best
    for chunk, seconds in timings.items():
        mb = chunk * words * 4 / 2**20
        out.append(f"chunk {chunk:5d} queries: {seconds:6.2f} s, {mb:7.1f} MB of similarities, "
                   f"{seconds / timings[default]:.2f}x the default ({default})")
    t0 = time.perf_counter()
    tags = ["O", *(f"{b}-{t}" for t in ("LOC", "MISC", "ORG", "PER") for b in "BI")]
    consistency_weights(vectors, labels, tags, k)
    out.append(f"whole weighting (search + counts + sigmoid) of {words} words at k={k}: "
               f"{time.perf_counter() - t0:.2f} s on {torch.get_num_threads()} threads")
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=20000)
    args = parser.parse_args()
    sys.stdout.write("\n".join(run(args.words)) + "\n")
