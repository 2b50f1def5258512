"""Per-epoch F1 by `quick_f1` vs seqeval's full reports (`evaluate`), on the same predictions.

Why: every training stage scores dev, test and source dev after every epoch; seqeval's
classification reports (strict mode above all) cost more than the demo's forward passes did. This
measures the saving and checks both give the same F1. Run: `python -m benchmarks.bench_metrics`.
"""

from __future__ import annotations

import argparse
import logging
import random
import time

from xner.core.data.metrics import evaluate, quick_f1

log = logging.getLogger(__name__)
TAGS = ["O"] * 6 + ["B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"]


def _corpus(n: int, rng: random.Random) -> list[list[str]]:
    return [[rng.choice(TAGS) for _ in range(rng.randint(5, 30))] for _ in range(n)]


def run(sentences: int = 3000, repeats: int = 3, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    gold = _corpus(sentences, rng)
    pred = [[t if rng.random() < 0.8 else rng.choice(TAGS) for t in s] for s in gold]
    timings = {}
    for name, fn in (("seqeval evaluate()", lambda: evaluate(gold, pred)),
                     ("quick_f1()", lambda: quick_f1(gold, pred))):
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            out = fn()
            best = min(best, time.perf_counter() - t0)
        timings[name] = (best, out)
    full, quick = timings["seqeval evaluate()"][1], timings["quick_f1()"][1]
    same = abs(full.conlleval.f1 - quick[0]) < 1e-9 and abs(full.strict.f1 - quick[1]) < 1e-9
    slow, fast = timings["seqeval evaluate()"][0], timings["quick_f1()"][0]
    return [f"{sentences} sentences, best of {repeats}:",
            f"  seqeval evaluate() (both modes + reports)  {slow * 1000:8.1f} ms",
            f"  quick_f1() (both modes, micro F1 only)     {fast * 1000:8.1f} ms",
            f"  ratio {slow / fast:.1f}x; same F1: {same} (conlleval {quick[0]:.2f}, strict {quick[1]:.2f})"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for line in run(args.sentences, args.repeats):
        log.info("%s", line)


if __name__ == "__main__":
    main()
