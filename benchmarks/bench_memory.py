"""Peak memory of a source (NER) step at batch 32 x length 128: me5 as the proxy runs it, and mBERT.

Why: whether the papers' setting fits a 24 GB GPU should be measured, not guessed. Both encoders are
built from their configurations with random weights (memory depends on shapes, not values, and the
hub is unreachable here): me5-small-trimmed's 6 proxy layers with embeddings + 2 frozen, and
bert-base-multilingual-cased (vocabulary 119,547, 12 layers of 768) with embeddings + 3 frozen as
both papers freeze. One warm-up step creates the AdamW state, then the peak of a second step is read:
the CUDA allocator's on a GPU, peak RSS on the CPU; each model in a fresh process. The README works
the mBERT figure out from the me5 one and compares.
Run: `python -m benchmarks.bench_memory [--batch 32] [--length 128]`
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import torch
import torch.nn.functional as F

from benchmarks.bench_train import peak_rss_mb, reset_peak_rss, rss_mb
from xner.core.models.encoder import TokenEncoder, freeze
from xner.core.models.ner_model import NerModel

SHAPES = {  # name: (vocab, hidden, layers, heads, intermediate, frozen layers)
    "me5": (74754, 384, 6, 12, 1536, 2),
    "mbert": (119547, 768, 12, 12, 3072, 3),
}


def shaped(name: str, pooler: bool = False) -> NerModel:
    """A random-weight NER model with the encoder shape `name` of SHAPES, frozen as it trains;
    `pooler` keeps BERT's pooler (what AutoModel loads and a checkpoint holds; the step never uses it)."""
    from transformers import BertConfig, BertModel

    vocab, hidden, layers, heads, inter, frozen = SHAPES[name]
    hf = BertModel(BertConfig(vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers,
                              num_attention_heads=heads, intermediate_size=inter), add_pooling_layer=pooler)
    freeze(hf, True, frozen)
    return NerModel(TokenEncoder(hf), 9)


def one(name: str, batch: int, length: int, device: torch.device) -> dict[str, float]:
    vocab = SHAPES[name][0]
    model = shaped(name).to(device).train()
    params = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    ids = torch.randint(5, vocab, (batch, length), device=device)
    mask = torch.ones_like(ids)
    labels = torch.randint(0, 9, (batch, length), device=device)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        logits = model(ids, mask)[1]
        F.cross_entropy(logits.flatten(0, 1), labels.flatten()).backward()
        opt.step()

    cuda = device.type == "cuda"
    if cuda:  # the allocator's own count: what tensors really hold
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        loaded = torch.cuda.memory_allocated(device) / 2**20
    else:  # RSS: the heap keeps freed activations, so only the peak over the loaded model is meaningful
        loaded = rss_mb()
        reset_peak_rss()
    for _ in range(2):  # the first creates the AdamW state; the second is the steady state
        step()
    peak = torch.cuda.max_memory_allocated(device) / 2**20 if cuda else peak_rss_mb()
    return {"params_m": params / 1e6, "trainable_m": trainable / 1e6, "loaded_mb": loaded,
            "peak_mb": peak, "step_mb": peak - loaded}


def run(batch: int = 32, length: int = 128, device: str | None = None) -> list[str]:
    """One line per model, each measured in a fresh process."""
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    lines = []
    for name in SHAPES:
        cmd = [sys.executable, "-m", "benchmarks.bench_memory", "--one", name, "--batch", str(batch),
               "--length", str(length), "--device", device]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        r = json.loads(out.splitlines()[-1])
        lines.append(f"{name}: {r['params_m']:.1f}M params ({r['trainable_m']:.1f}M trainable); "
                     f"loaded {r['loaded_mb']:.0f} MB, peak {r['peak_mb']:.0f} MB: a step adds "
                     f"{r['step_mb']:.0f} MB (grads, AdamW state, activations; {device}, "
                     f"batch {batch} x {length})")
    return lines


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--length", type=int, default=128)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--one", default=None, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.one:
        sys.stdout.write(json.dumps(one(a.one, a.batch, a.length, torch.device(a.device))) + "\n")
        return 0
    sys.stdout.write("\n".join(run(a.batch, a.length, a.device)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
