"""Bytes a TransAdv seed writes as checkpoints: full `torch.save` pickles against xner's trainable-only
safetensors, side by side, for mBERT (embeddings + 3 frozen, the papers) and me5 as the proxy runs it
(`bench_memory.SHAPES`).

Both are built from their shapes with random weights (sizes depend on shapes only; the hub is
unreachable here). A TransAdv seed trains five models: Θsrc, Θentity, Θcontext, Θorder, the student;
its discriminators (language, order, entity- and context-language) are written too.
Run: `python -m benchmarks.bench_store_size`
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import torch

from benchmarks.bench_memory import SHAPES, shaped
from xner.core.models import checkpoint as ckpt
from xner.core.models.discriminators import LanguageDiscriminator, OrderDiscriminator

MODELS_PER_SEED = 5


def sizes(name: str, out: Path) -> tuple[int, int]:
    model = shaped(name, pooler=True)
    hidden = model.encoder.hidden_size
    discs = {"language": LanguageDiscriminator(hidden, 500), "order": OrderDiscriminator(hidden, 256),
             "entity-language": LanguageDiscriminator(hidden, 500),
             "context-language": LanguageDiscriminator(hidden, 500)}
    states = {n: d.state_dict() for n, d in discs.items()}
    torch.save(model.state_dict(), out / "model.pt")
    torch.save(states, out / "discriminators.pt")
    ckpt.save_model(ckpt.trainable_state(model), out / ckpt.MODEL, len(ckpt.frozen_names(model)))
    ckpt.save_discriminators(states, out / ckpt.DISCRIMINATORS)
    before = MODELS_PER_SEED * (out / "model.pt").stat().st_size + (out / "discriminators.pt").stat().st_size
    after = MODELS_PER_SEED * (out / ckpt.MODEL).stat().st_size + (out / ckpt.DISCRIMINATORS).stat().st_size
    return before, after


def run() -> list[str]:
    lines = []
    for name in SHAPES:  # mbert as the papers freeze it, me5 as the proxy does
        with tempfile.TemporaryDirectory() as tmp:
            before, after = sizes(name, Path(tmp))
        lines.append(f"{name}: checkpoints per TransAdv seed {before / 1e9:.2f} GB as torch.save pickles, "
                     f"{after / 1e9:.2f} GB as trainable-only safetensors ({before / after:.2f}x smaller)")
    return lines


if __name__ == "__main__":
    sys.stdout.write("\n".join(run()) + "\n")
