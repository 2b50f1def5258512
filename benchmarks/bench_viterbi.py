"""Batched constrained Viterbi vs decoding one sentence at a time.

Why: the reference implementations decode sentence by sentence in Python; this measures what the
batched decoder (loop over time only) saves on an evaluation-sized batch, and checks that all three
give the same tags. Run: `python -m benchmarks.bench_viterbi [--device cuda] [--batch 256]`.
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from collections.abc import Callable

import torch

from xner.core.data.labels import CONLL_TYPES, LabelSet
from xner.core.models.viterbi import ViterbiDecoder

log = logging.getLogger(__name__)


def _python_viterbi(emis: list[list[float]], start: list[bool], trans: list[list[bool]]) -> list[int]:
    """Textbook per-sentence Viterbi over Python lists (ties to the lowest index, like the batch)."""
    n = len(start)
    score = [e if ok else -math.inf for e, ok in zip(emis[0], start, strict=True)]
    back: list[list[int]] = []
    for row in emis[1:]:
        ptr = [
            max((p for p in range(n) if trans[p][c]), key=lambda p: score[p]) for c in range(n)
        ]
        score = [score[ptr[c]] + row[c] for c in range(n)]
        back.append(ptr)
    cur = max(range(n), key=lambda c: score[c])
    path = [cur]
    for ptr in reversed(back):
        cur = ptr[cur]
        path.append(cur)
    return path[::-1]


def _best_time(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up: allocator, kernels, caches
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run(
    batch: int = 256,
    max_len: int = 40,
    device: str = "cpu",
    repeats: int = 5,
    threads: int | None = None,
    seed: int = 0,
) -> list[str]:
    """Time the three decoders on one ragged batch of CoNLL-sized label sets; report lines.

    `threads` pins torch's intra-op threads: on a busy small machine the default pool oversubscribes
    the cores and the tiny per-step kernels then wait on each other far longer than they compute.
    """
    if threads is not None:
        torch.set_num_threads(threads)
    ls = LabelSet(CONLL_TYPES)  # 9 tags
    dec = ViterbiDecoder(ls, device)
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch, max_len, len(ls), generator=gen) * 3  # [B, T, L]
    lengths = torch.randint(5, max_len + 1, (batch,), generator=gen)  # [B]
    lengths[0] = max_len
    mask = torch.arange(max_len)[None, :] < lengths[:, None]  # [B, T]
    log_probs = torch.log_softmax(logits, dim=-1).to(device)  # [B, T, L]
    mask = mask.to(device)
    start, trans = (m.tolist() for m in ls.transition_mask())
    lens = lengths.tolist()

    def batched() -> list[list[int]]:
        return dec.decode(log_probs, mask)

    def per_sentence_torch() -> list[list[int]]:
        return [dec.decode(log_probs[i : i + 1, :n], mask[i : i + 1, :n])[0] for i, n in enumerate(lens)]

    def per_sentence_python() -> list[list[int]]:
        rows = log_probs.cpu().tolist()  # the list conversion is part of that approach's cost
        return [_python_viterbi(rows[i][:n], start, trans) for i, n in enumerate(lens)]

    reference = batched()
    if per_sentence_torch() != reference or per_sentence_python() != reference:
        raise AssertionError("per-sentence decoders disagree with the batched decoder")

    t_batch = _best_time(batched, repeats)
    t_torch = _best_time(per_sentence_torch, repeats)
    t_python = _best_time(per_sentence_python, max(1, repeats // 2))
    words = int(lengths.sum())
    lines = [
        f"Viterbi B={batch} T<={max_len} L={len(ls)} ({words} words) device={device} "
        f"torch={torch.__version__} threads={torch.get_num_threads()}",
        f"{'decoder':<30}{'ms/batch':>10}{'words/s':>12}{'time/batched':>14}",
    ]
    for name, t in (
        ("batched (loop over time)", t_batch),
        ("per-sentence loop, same torch", t_torch),
        ("per-sentence loop, pure Python", t_python),
    ):
        lines.append(f"{name:<30}{t * 1e3:>10.2f}{words / t:>12.0f}{t / t_batch:>13.1f}x")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--max-len", type=int, default=40)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for line in run(args.batch, args.max_len, args.device, args.repeats, args.threads):
        log.info(line)


if __name__ == "__main__":
    main()
