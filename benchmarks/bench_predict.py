"""`xner predict`'s Predictor against HF's `token-classification` pipeline, same export, same sentences.

Why: a user choosing between `xner predict` and the stock pipeline should know what xner's windows
and constrained Viterbi cost (or save). Both tag the same German test sentences with the same exported
model (me5-small-trimmed cut to 6 layers when ../shared is present, else a tiny random BERT), on the
CPU, or on a GPU with --device cuda. The pipeline gets the words joined by spaces (what a user would
pass) and decodes by argmax, so only time is compared here; parity is in tests/inference.
Run: `python -m benchmarks.bench_predict [--sentences 500] [--device cpu|cuda]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

from xner.core.data.labels import CONLL_TYPES, LabelSet
from xner.core.inference.export import export_model
from xner.core.inference.predictor import Decoding, Predictor
from xner.core.stages.services import Services

SHARED = Path(os.environ.get("XNER_SHARED") or Path(__file__).resolve().parents[1].parent / "shared")


def _sentences(n: int) -> tuple[list[list[str]], str]:
    test = SHARED / "data/conll/de/test.txt"
    if test.is_file():
        from xner.core.data.readers import read_corpus

        corpus = read_corpus(test, "conll", lang="de")
        return [list(s.tokens) for s in corpus.select(range(min(n, len(corpus))))], "CoNLL de test"
    from xner.core.demo.corpus import generate_sentences

    return [s.tokens for s in generate_sentences("de", n, split="test")], "demo de"


def _model(tmp: Path, device: torch.device) -> tuple[Path, str]:
    dec = Decoding(tuple(LabelSet(CONLL_TYPES).tags), max_length=128)
    svc = Services(cache_dir=tmp / "cache", device=device)
    me5 = SHARED / "models/me5-small-trimmed"
    if me5.is_dir():
        enc, path, name = {"dropout": 0.1, "num_layers": 6, "freeze_embeddings": True,
                           "frozen_layers": 2}, str(me5), "me5-small-trimmed, 6 layers"
    else:
        from xner.core.models.encoder import save_encoder
        from xner.registry.encoders import build_tiny

        sents, _ = _sentences(2000)
        path = str(save_encoder(build_tiny(corpus=sents), tmp / "tiny"))
        enc = {"dropout": 0.1, "num_layers": None, "freeze_embeddings": True, "frozen_layers": 0}
        name = "tiny"
    torch.manual_seed(0)
    model = svc.new_model(enc, path, len(dec.tags))
    out, _ = export_model(model, svc.tokenizer(path), dec, {"benchmark": True}, tmp / "export")
    return out, name


def _time(fn, repeats: int = 2) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run(sentences: int = 500, device: str = "cpu") -> list[str]:
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    dev = torch.device(device)
    sents, source = _sentences(sentences)
    words = sum(len(s) for s in sents)
    with tempfile.TemporaryDirectory() as tmp:
        export, name = _model(Path(tmp), dev)
        xner = Predictor.from_pretrained(export, dev)
        hf = pipeline("token-classification", model=AutoModelForTokenClassification.from_pretrained(export),
                      tokenizer=AutoTokenizer.from_pretrained(export), aggregation_strategy="first",
                      device=dev)
        texts = [" ".join(s) for s in sents]
        t_xner = _time(lambda: xner.tag(sents))
        t_hf = _time(lambda: hf(texts, batch_size=64))
    return [f"{len(sents)} {source} sentences, {words} words, {name}, {dev}",
            f"xner predict (windows + Viterbi): {words / t_xner:,.0f} words/s",
            f"HF pipeline (argmax, 'first'):    {words / t_hf:,.0f} words/s",
            f"ratio xner / HF: {t_hf / t_xner:.2f}x the pipeline's throughput"]


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=500)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    for line in run(a.sentences, a.device):
        sys.stdout.write(line + "\n")
