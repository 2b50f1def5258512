"""Training steps of a real encoder on real CoNLL English, against a reference loop and against the
matmul peak this benchmark measures on the machine.

Steps (xner's `StepRunner`, the code every training stage runs):
  ner      L_ner: forward, backward, AdamW                                  (mBERT-ft, teachers)
  tladv    ner + generator step (L_g) + language discriminator (L_dis)      (TLADV, AdvPicker)
  mladv    tladv + the order discriminator                                  (TransAdv's Θsrc)
  distill  L_kd: MSE to soft labels                                         (students)
Reference loop: every batch padded to 128, fp32, frozen layers still under autograd, and a fresh
encoder forward for each of the three updates (NER, generator, discriminators).
Printed per (model, step): real tokens/s (padding excluded) and the ratio to the reference, model
GFLOP/s (useful FLOPs of real tokens) and MFU against the measured fp32 matmul peak, and the peak
memory a step adds to the loaded model (each measurement in a fresh process: CUDA allocator peak on
a GPU, peak RSS on the CPU). `benchmarks.bench_train_scaling` plots throughput against batch size
and sentence length.
`--options packing,compile` adds the default step with `train.packing` / `train.compile` on, as a
ratio to the default step.
Run: `python -m benchmarks.bench_train [--sentences 256] [--batch 32] [--steps 12] [--models me5,tiny]
[--options packing,compile]`
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from xner.core.data.align import encode_corpus
from xner.core.data.batching import make_loader
from xner.core.data.labels import CONLL_TYPES, IGNORE_INDEX, LabelSet
from xner.core.data.readers import read_conll
from xner.core.models.discriminators import LanguageDiscriminator, OrderDiscriminator
from xner.core.models.encoder import TokenEncoder, freeze, keep_bottom_layers, load_hf_encoder
from xner.core.models.ner_model import NerModel
from xner.core.train.steps import AdversarialSpec, StepRunner, language_mask, order_labels

log = logging.getLogger(__name__)
SHARED = Path(os.environ.get("XNER_SHARED", Path(__file__).resolve().parents[2] / "shared"))
PAD_TO = 128
STEPS = ("ner", "tladv", "mladv", "distill")


# -- the machine's limit -------------------------------------------------------------------------
def matmul_peak(device: torch.device, n: int = 2048, repeats: int = 5) -> float:
    """Best fp32 GFLOP/s of an n x n matmul here: the ceiling MFU is measured against."""
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    best = float("inf")
    for _ in range(repeats + 1):
        _sync(device)
        t = time.perf_counter()
        a @ b
        _sync(device)
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def reset_peak_rss() -> None:
    """Linux: writing 5 to clear_refs resets VmHWM, so the peak below is this block's, not loading's."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def peak_rss_mb() -> float:
    with open("/proc/self/status") as fh:
        hwm = next(line for line in fh if line.startswith("VmHWM:"))
    return int(hwm.split()[1]) / 1024  # kB


# -- data and models -------------------------------------------------------------------------------
@dataclass
class Bundle:
    name: str
    model: NerModel
    discs: dict[str, torch.nn.Module]
    batches: dict[str, list[dict[str, torch.Tensor]]]  # main, src, tgt, soft


def _batches(corpus: Any, tokenizer: Any, ls: LabelSet, batch: int, lang: int, order: int,
             soft: bool = False) -> list[dict[str, torch.Tensor]]:
    extras = {"order": [[order] * len(s.tokens) for s in corpus]}
    enc = encode_corpus(corpus, tokenizer, ls, 128, lang_ids={corpus.lang: lang}, extras=extras)
    gen = torch.Generator().manual_seed(0)
    labels = None
    if soft:  # soft labels as a teacher would give them: a softmax over random logits per word
        labels = [torch.softmax(torch.randn(len(s.tokens), len(ls), generator=gen), -1).numpy()
                  for s in corpus]
    return list(make_loader(enc, batch, shuffle=True, seed=0, soft_labels=labels))


def load(name: str, sentences: int, batch: int, device: torch.device) -> Bundle:
    """me5-small-trimmed as the proxy runs it (6 layers, embeddings + bottom 2 frozen), or a tiny
    random BERT; the first `sentences` of CoNLL English train, as source and as 'target' side."""
    from transformers import BertConfig, BertModel

    corpus = read_conll(SHARED / "data/conll/en/train.txt", lang="en")
    corpus = type(corpus).from_sentences(list(corpus)[:sentences], name="bench", lang="en")
    ls = LabelSet(CONLL_TYPES)
    me5 = SHARED / "models/me5-small-trimmed"
    bundle = load_hf_encoder(str(me5))
    if name == "me5":
        keep_bottom_layers(bundle.model, 6)
        freeze(bundle.model, True, 2)
        hf = bundle.model
    else:  # the tiny random encoder of the demo, on me5's tokenizer
        hf = BertModel(BertConfig(vocab_size=bundle.tokenizer.vocab_size, hidden_size=64, num_hidden_layers=2,
                                  num_attention_heads=2, intermediate_size=256))
    model = NerModel(TokenEncoder(hf), len(ls)).to(device)
    h = model.encoder.hidden_size
    discs = {"language": LanguageDiscriminator(h, 500).to(device),
             "order": OrderDiscriminator(h, 256).to(device)}
    tok = bundle.tokenizer
    main = _batches(corpus, tok, ls, batch, 0, 1)  # also the source side (its own cycle per loop)
    batches = {"main": main, "src": main, "tgt": _batches(corpus, tok, ls, batch, 1, 0),
               "soft": _batches(corpus, tok, ls, batch, 0, 1, True)}
    return Bundle(name, model, discs, batches)


def pad(batch: Mapping[str, torch.Tensor], to: int = PAD_TO) -> dict[str, torch.Tensor]:
    """The papers' `view(-1, 128)`: every [B, S] column padded to 128 (masks with 0, labels -100)."""
    out = {}
    for k, v in batch.items():
        if v.dim() < 2 or v.shape[1] >= to:
            out[k] = v
            continue
        fill = 0 if k in ("input_ids", "attention_mask") else False if v.dtype == torch.bool else IGNORE_INDEX
        shape = (v.shape[0], to - v.shape[1], *v.shape[2:])
        out[k] = torch.cat([v, torch.full(shape, fill, dtype=v.dtype)], dim=1)
    return out


def real_tokens(*batches: Mapping[str, torch.Tensor]) -> int:
    return int(sum(int(b["attention_mask"].sum()) for b in batches))


def step_flops(model: NerModel, batches: list[Mapping[str, torch.Tensor]], backward_layers: int) -> float:
    """Useful FLOPs of forward + backward over the real tokens: 2 x matmul params per token and layer
    forward (+ attention 4·S·H), twice that backward for the layers that train (embeddings excluded)."""
    cfg = model.encoder.model.config
    hdim, inter, layers = cfg.hidden_size, cfg.intermediate_size, cfg.num_hidden_layers
    per_layer = 2 * (4 * hdim * hdim + 2 * hdim * inter)
    total = 0.0
    for b in batches:
        lengths = b["attention_mask"].sum(1).float()
        tokens = float(lengths.sum())
        attn = float((4 * lengths * lengths * hdim).sum())  # QKᵀ and AV, per layer, quadratic in S
        fwd = layers * (per_layer * tokens + attn)
        total += fwd + 2 * fwd * backward_layers / layers
    return total


def step_discs(kind: str, b: Bundle) -> dict[str, torch.nn.Module]:
    """The discriminators a step trains: none (ner, distill), language (tladv), both (mladv)."""
    if kind in ("ner", "distill"):
        return {}
    return {k: v for k, v in b.discs.items() if kind == "mladv" or k == "language"}


# -- the two loops ---------------------------------------------------------------------------------
def xner_step(kind: str, b: Bundle, device: torch.device) -> Callable[[int], int]:
    """One step of `kind` as the training stages run it; returns real tokens processed."""
    discs = step_discs(kind, b)
    specs = {k: AdversarialSpec(k, "order" if k == "order" else "language") for k in discs}
    runner = StepRunner(b.model, discs, specs, lr_ner=1e-5, lr_generator=1e-7, lr_discriminator=1e-4,
                        weight_decay=0.01, total_steps=10_000, warmup=0.0, grad_clip=None, device=device,
                        precision="fp32")
    main = cycle(b.batches["soft" if kind == "distill" else "main"])
    src, tgt = cycle(b.batches["src"]), cycle(b.batches["tgt"])

    def run(_: int) -> int:
        batch = next(main)
        if kind == "distill":
            runner.distill_step(batch)
            return real_tokens(batch)
        runner.ner_step(batch)
        if not discs:
            return real_tokens(batch)
        sides = {k: [next(src), next(tgt)] for k in discs}
        runner.adversarial_step(sides)
        return real_tokens(batch, *(x for s in sides.values() for x in s))

    return run


def reference_step(kind: str, b: Bundle, device: torch.device) -> Callable[[int], int]:
    """The naive loop: padded to 128, frozen layers under autograd, one fresh forward per update."""
    model, enc = b.model, b.model.encoder
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=1e-5)
    opt_g = torch.optim.AdamW([p for p in enc.parameters() if p.requires_grad], lr=1e-7)
    discs = step_discs(kind, b)
    opt_d = torch.optim.AdamW([p for d in discs.values() for p in d.parameters()], lr=1e-4) if discs else None
    main = cycle(b.batches["soft" if kind == "distill" else "main"])
    src, tgt = cycle(b.batches["src"]), cycle(b.batches["tgt"])

    def to(x: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {k: v.to(device) for k, v in pad(x).items()}

    def disc_loss(name: str, h: torch.Tensor, x: Mapping[str, torch.Tensor], flip: bool) -> torch.Tensor:
        if name == "order":
            y = order_labels(x).float()
            logits = discs[name](h, x["attention_mask"].bool())
            return F.binary_cross_entropy_with_logits(logits, 1 - y if flip else y)
        m = language_mask(x, "all")
        y = x["langs"].clamp(min=0).float()[m]
        return F.binary_cross_entropy_with_logits(discs[name](h)[m], 1 - y if flip else y)

    def run(_: int) -> int:
        raw = next(main)
        x = to(raw)
        model.train()
        opt.zero_grad()
        logits = model(x["input_ids"], x["attention_mask"])[1]
        if kind == "distill":
            p = torch.softmax(logits, -1)
            loss = (((p - x["soft"]) ** 2).mean(-1) * x["soft_mask"]).sum() / x["soft_mask"].sum()
        else:
            loss = F.cross_entropy(logits.flatten(0, 1), x["labels"].flatten(), ignore_index=IGNORE_INDEX)
        loss.backward()
        opt.step()
        if not discs:
            return real_tokens(raw)
        sides = [next(src), next(tgt)]
        opt_g.zero_grad()  # generator: a fresh forward, flipped labels
        sum(disc_loss(n, enc(to(s)["input_ids"], to(s)["attention_mask"]), to(s), True)
            for n in discs for s in sides).backward()
        opt_g.step()
        assert opt_d is not None
        opt_d.zero_grad()  # discriminators: another fresh forward
        sum(disc_loss(n, enc(to(s)["input_ids"], to(s)["attention_mask"]).detach(), to(s), False)
            for n in discs for s in sides).backward()
        opt_d.step()
        return real_tokens(raw, *(s for _ in discs for s in sides))

    return run


def measure(name: str, kind: str, loop: str, sentences: int, batch: int, steps: int, device: torch.device
            ) -> dict[str, float]:
    """One (model, step, loop) in this process: seconds per step, real tokens/s, useful GFLOP/s and
    the peak memory the step adds to the loaded model and data (CUDA allocator peak on a GPU; the
    process's peak RSS above its RSS before the first step on the CPU, which is why every
    measurement runs in a fresh process)."""
    b = load(name, sentences, batch, device)
    if loop == "xner+packing":
        b.model.encoder.pack = True
    if loop == "xner+compile":  # as `train.compile` does it: in place, inductor, dynamic shapes
        b.model.encoder.model.compile(dynamic=True)
    trains = sum(1 for layer in b.model.encoder.model.encoder.layer
                 if any(p.requires_grad for p in layer.parameters()))
    step = (reference_step if loop == "reference" else xner_step)(kind, b, device)
    base = rss_mb()
    reset_peak_rss()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device) / 2**20
    for w in range(3 if loop == "xner+compile" else 1):  # warm-up: allocator, optimiser state, lazy
        step(-1 - w)  # init; compile: the first shapes' graphs (later shapes reuse the dynamic one)
    _sync(device)
    tokens, t = 0, time.perf_counter()
    for i in range(steps):
        tokens += step(i)
    _sync(device)
    dt = time.perf_counter() - t
    cuda = device.type == "cuda"
    peak = (torch.cuda.max_memory_allocated(device) / 2**20 if cuda else peak_rss_mb()) - base
    n_batches = 1 if kind in ("ner", "distill") else (3 if kind == "tladv" else 5)
    sample = b.batches["main"][:n_batches]
    flops_per_token = step_flops(b.model, sample, trains) / max(real_tokens(*sample), 1)
    tps = tokens / dt
    return {"s": dt / steps, "tok_s": tps, "gflops": flops_per_token * tps / 1e9, "mb": max(peak, 0.0)}


def bench(models: list[str], sentences: int, batch: int, steps: int, device: torch.device,
          options: tuple[str, ...] = ()) -> list[dict]:
    peak = matmul_peak(device)
    log.info("fp32 matmul peak on %s: %.1f GFLOP/s (%d threads)", device, peak, torch.get_num_threads())
    rows = []
    for name in models:
        for kind in STEPS:
            out: dict[str, Any] = {"model": name, "step": kind, "peak_gflops": peak}
            for loop in ("xner", "reference", *(f"xner+{o}" for o in options)):
                cmd = [sys.executable, "-m", "benchmarks.bench_train", "--one", f"{name},{kind},{loop}",
                       "--sentences", str(sentences), "--batch", str(batch), "--steps", str(steps),
                       "--device", str(device)]
                got = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True
                                                ).stdout.strip().splitlines()[-1])
                out.update({f"{loop}_{k}": v for k, v in got.items()})
                out[f"{loop}_mfu"] = got["gflops"] / peak
            out["speedup"] = out["xner_tok_s"] / out["reference_tok_s"]
            for o in options:
                out[f"{o}_ratio"] = out[f"xner+{o}_tok_s"] / out["xner_tok_s"]
                log.info("%s %-7s +%s: %.0f tok/s, %.2fx the default step", name, kind, o,
                         out[f"xner+{o}_tok_s"], out[f"{o}_ratio"])
            rows.append(out)
            log.info("%s %-7s xner %7.0f tok/s (%5.1f%% MFU, %6.0f MB)  reference %7.0f tok/s  -> %.2fx",
                     name, kind, out["xner_tok_s"], 100 * out["xner_mfu"], out["xner_mb"],
                     out["reference_tok_s"], out["speedup"])
    return rows


def table(rows: list[dict], options: tuple[str, ...] = ()) -> str:
    extra = "".join(f" +{o} |" for o in options)
    head = ("| model | step | xner tok/s | reference tok/s | ratio | xner GFLOP/s | MFU "
            f"| peak MB xner / ref |{extra}\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
            + " ---: |" * len(options))
    lines = [head]
    for r in rows:
        cells = "".join(f" {r[f'{o}_ratio']:.2f}x |" for o in options)
        lines.append(f"| {r['model']} | {r['step']} | {r['xner_tok_s']:.0f} | {r['reference_tok_s']:.0f} | "
                     f"{r['speedup']:.2f}x | {r['xner_gflops']:.1f} | {100 * r['xner_mfu']:.0f}% | "
                     f"{r['xner_mb']:.0f} / {r['reference_mb']:.0f} |{cells}")
    return "\n".join(lines)


def run(models: str = "me5,tiny", sentences: int = 256, batch: int = 32, steps: int = 12) -> list[str]:
    """`make bench`'s entry: the table's lines, or why it was skipped."""
    if not all((SHARED / f).exists() for f in ("data/conll/en/train.txt", "models/me5-small-trimmed")):
        return [f"skipped: {SHARED} lacks data/conll/en/train.txt or models/me5-small-trimmed"]
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return table(bench(models.split(","), sentences, batch, steps, device)).splitlines()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sentences", type=int, default=256)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--models", default="me5,tiny")
    p.add_argument("--options", default="", help="also time the default step with these train options, "
                   "each as a ratio to it: packing, compile (compile: ~60 s per process on 2 cores)")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--one", default=None, help=argparse.SUPPRESS)  # MODEL,STEP,LOOP in this process
    a = p.parse_args()
    if a.one:
        name, kind, loop = a.one.split(",")
        got = measure(name, kind, loop, a.sentences, a.batch, a.steps, torch.device(a.device))
        sys.stdout.write(json.dumps(got) + "\n")
        return
    if not all((SHARED / f).exists() for f in ("data/conll/en/train.txt", "models/me5-small-trimmed")):
        raise SystemExit(f"skipped: {SHARED} lacks data/conll/en/train.txt or models/me5-small-trimmed")
    options = tuple(o for o in a.options.split(",") if o)
    if unknown := set(options) - {"packing", "compile"}:
        p.error(f"--options: unknown {sorted(unknown)}; known: packing, compile")
    rows = bench(a.models.split(","), a.sentences, a.batch, a.steps, torch.device(a.device), options)
    sys.stdout.write(table(rows, options) + "\n")


if __name__ == "__main__":
    main()
