"""NER-step throughput of `bench_train`'s models against batch size and sentence length, as a PNG:
where the step leaves the matmul-bound regime (small batches, short rows) shows up as the knee.
Run: `python -m benchmarks.bench_train_scaling OUT.png [--models me5,tiny] [--steps 4]`
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

from benchmarks.bench_train import Bundle, _sync, load, xner_step


def _fixed_length(b: Bundle, length: int, batch: int) -> list[dict[str, torch.Tensor]]:
    """Batches of `length` real sub-tokens per row (real token ids, tiled), labels on every token."""
    ids = torch.cat([x["input_ids"][x["attention_mask"].bool()] for x in b.batches["main"]])
    ids = ids.repeat(1 + 4 * batch * length // len(ids))  # tiled: four batches at any length
    rows = ids[: 4 * batch * length].view(-1, length)
    out = []
    for i in range(0, len(rows) - batch + 1, batch):
        x = rows[i:i + batch]
        out.append({"input_ids": x, "attention_mask": torch.ones_like(x),
                    "labels": torch.randint(0, 9, x.shape, generator=torch.Generator().manual_seed(i))})
    return out


def scaling(name: str, sentences: int, steps: int, device: torch.device, png: Path) -> dict[str, list]:
    """NER-step tokens/s against batch size (real bucketed batches) and against sentence length
    (fixed-length rows of real token ids, batch 32); saved as a two-panel PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result: dict[str, list] = {"batch": [], "length": []}
    for size in (8, 16, 32, 64):
        b = load(name, sentences, size, device)
        result["batch"].append((size, timed_tokens(xner_step("ner", b, device), steps, device)))
    b = load(name, sentences, 32, device)
    for length in (16, 32, 64, 128):
        b.batches["main"] = _fixed_length(b, length, 32)
        result["length"].append((length, timed_tokens(xner_step("ner", b, device), steps, device)))
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    for ax, key, label in ((axes[0], "batch", "batch size (sentences)"),
                           (axes[1], "length", "sub-tokens per sentence (batch 32)")):
        xs, ys = zip(*result[key], strict=True)
        ax.plot(xs, ys, marker="o")
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs, [str(x) for x in xs])
        ax.set_xlabel(label)
        ax.set_ylabel("real tokens / s")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{name}: NER step throughput on {device}")
    fig.tight_layout()
    fig.savefig(png, dpi=120)
    plt.close(fig)
    return result


def timed_tokens(step: Callable[[int], int], steps: int, device: torch.device) -> float:
    step(-1)
    _sync(device)
    tokens, t = 0, time.perf_counter()
    for i in range(steps):
        tokens += step(i)
    _sync(device)
    return tokens / (time.perf_counter() - t)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("png")
    p.add_argument("--models", default="me5,tiny")
    p.add_argument("--sentences", type=int, default=256)
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = p.parse_args()
    for name in a.models.split(","):
        png = Path(a.png).with_stem(f"{Path(a.png).stem}-{name}")
        res = scaling(name, a.sentences, a.steps, torch.device(a.device), png)
        sys.stdout.write(f"{name}: {res} -> {png}\n")


if __name__ == "__main__":
    main()
