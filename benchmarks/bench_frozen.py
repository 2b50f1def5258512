"""Does running the frozen bottom under `torch.no_grad()` pay? Measured side by side, interleaved.

me5-small-trimmed as the proxy runs it (6 layers; embeddings + bottom 2 frozen), one NER step
(forward, backward, AdamW) on 32 real CoNLL English sentences: the plain forward that
`TokenEncoder` runs against the same forward with grad mode switched off from the embeddings to the
last frozen layer (the hooks xner used to carry). Prints median ms per step and the bytes autograd
saved for backward in each case: autograd records nothing below the first trainable parameter, so
the two should match, which is why TokenEncoder no longer switches.
Run: `python -m benchmarks.bench_frozen [--steps 12]`
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from contextlib import contextmanager, nullcontext

import torch
import torch.nn.functional as F

from benchmarks.bench_train import SHARED, load
from xner.core.data.labels import IGNORE_INDEX
from xner.core.models.encoder import find_embeddings, find_layers

log = logging.getLogger(__name__)


@contextmanager
def no_grad_prefix(model: torch.nn.Module, frozen_layers: int):
    """Grad mode off from the embeddings' entry to the last frozen layer's exit."""
    off = find_embeddings(model).register_forward_pre_hook(
        lambda *_: (torch.set_grad_enabled(False), None)[1])
    on = find_layers(model)[frozen_layers - 1].register_forward_hook(
        lambda *_: (torch.set_grad_enabled(True), None)[1])
    try:
        yield
    finally:
        off.remove()
        on.remove()


def step(b, opt, switched: bool) -> tuple[float, int]:
    """One NER step; returns (seconds, bytes saved for backward)."""
    saved = [0]

    def pack(t: torch.Tensor) -> torch.Tensor:
        saved[0] += t.numel() * t.element_size()
        return t

    x = b.batches["main"][0]
    hf = b.model.encoder.model
    t = time.perf_counter()
    opt.zero_grad()
    ctx = no_grad_prefix(hf, 2) if switched else nullcontext()
    with ctx, torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        logits = b.model(x["input_ids"], x["attention_mask"])[1]
    F.cross_entropy(logits.flatten(0, 1), x["labels"].flatten(), ignore_index=IGNORE_INDEX).backward()
    opt.step()
    return time.perf_counter() - t, saved[0]


def run(steps: int = 12) -> list[str]:
    if not (SHARED / "models/me5-small-trimmed").exists():
        return [f"skipped: {SHARED} lacks models/me5-small-trimmed"]
    b = load("me5", 32, 32, torch.device("cpu"))
    b.model.train()
    opt = torch.optim.AdamW([p for p in b.model.parameters() if p.requires_grad], lr=1e-5)
    times: dict[bool, list[float]] = {False: [], True: []}
    saved: dict[bool, int] = {}
    for i in range(2 * steps + 2):
        switched = bool(i % 2)
        dt, saved[switched] = step(b, opt, switched)
        if i >= 2:  # the first of each is warm-up
            times[switched].append(dt)
    plain, switched = (statistics.median(times[k]) * 1e3 for k in (False, True))
    mb = {k: v / 2**20 for k, v in saved.items()}
    return [f"frozen prefix, me5 NER step batch 32: plain {plain:.0f} ms ({mb[False]:.1f} MB saved "
            f"for backward), under no_grad {switched:.0f} ms ({mb[True]:.1f} MB) -> "
            f"{plain / switched:.3f}x"]


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=12)
    sys.stdout.write("\n".join(run(p.parse_args().steps)) + "\n")


if __name__ == "__main__":
    main()
