"""Stage what `benchmarks/gpu_check.sh` reads from ../shared into `.carry/shared` (git-ignored).

Why: a lent GPU machine receives the working tree plus carried paths (64 MiB in all) and never
../shared. The GPU check needs CoNLL en + es, the en-es MUSE dictionary and me5-small-trimmed; the
encoder alone is 96 MiB in fp32, so it is written with the 6 layers the proxy keeps
(`encoder.num_layers: 6`) and its weights stored in fp16 (loaded back as fp32: a relative rounding
of 2^-11 per weight, far inside seed noise; the F1 is still a proxy F1). About 40 MB in all.
Run here, then carry `.carry`: `python -m benchmarks.gpu_pack [--shared ../shared]`.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
LAYERS = 6


def used_ids(src: Path, files: list[Path], dictionary: Path) -> list[int]:
    """Vocabulary ids the tokenizer produces on `files` (words as the stages split them) and on every
    word of the MUSE `dictionary` (what word-by-word translation can write), plus the special
    tokens: every other row of the embedding matrix is never looked up by the check."""
    from transformers import AutoTokenizer

    from xner.core.data.readers import read_conll

    tok = AutoTokenizer.from_pretrained(str(src))
    ids = set(tok.all_special_ids)
    for f in files:
        words = [s.tokens for s in read_conll(f, lang=f.parent.name)]
        for row in tok(words, is_split_into_words=True, add_special_tokens=False)["input_ids"]:
            ids.update(row)
    entries = [w for line in dictionary.read_text(encoding="utf-8").splitlines() for w in line.split()]
    for row in tok([entries[i:i + 512] for i in range(0, len(entries), 512)], is_split_into_words=True,
                   add_special_tokens=False)["input_ids"]:
        ids.update(row)
    return sorted(ids)


def trim_tokenizer(tokenizer: dict, keep: list[int]) -> dict:
    """A Unigram tokenizer over the kept pieces only. Dropping pieces that no segmentation of the
    corpus uses leaves every optimal segmentation of that corpus optimal, so its ids map 1:1."""
    new_id = {old: new for new, old in enumerate(keep)}
    model = tokenizer["model"]
    if model["type"] != "Unigram":
        raise ValueError(f"only Unigram tokenizers can be trimmed, got {model['type']}")
    model["vocab"] = [model["vocab"][i] for i in keep]
    model["unk_id"] = new_id[model["unk_id"]]
    for added in tokenizer["added_tokens"]:
        added["id"] = new_id[added["id"]]
    for special in (tokenizer.get("post_processor") or {}).get("special_tokens", {}).values():
        special["ids"] = [new_id[i] for i in special["ids"]]
    return tokenizer


def pack_encoder(src: Path, dst: Path, corpus: list[Path], dictionary: Path, layers: int = LAYERS) -> None:
    """The bottom `layers` layers, fp16, and only the vocabulary `corpus` uses (exact on it)."""
    dst.mkdir(parents=True, exist_ok=True)
    keep = used_ids(src, corpus, dictionary)
    original = json.loads((src / "config.json").read_text())
    config = {**original, "num_hidden_layers": layers, "vocab_size": len(keep)}
    (dst / "config.json").write_text(json.dumps(config, indent=2))
    tokenizer = trim_tokenizer(json.loads((src / "tokenizer.json").read_text()), keep)
    (dst / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False))
    shutil.copy2(src / "tokenizer_config.json", dst / "tokenizer_config.json")
    rows = torch.tensor(keep)
    out = {}
    for key, value in load_file(str(src / "model.safetensors")).items():
        parts = key.split(".")
        if "layer" in parts and int(parts[parts.index("layer") + 1]) >= layers:
            continue
        if key.endswith("word_embeddings.weight"):
            value = value[rows]
        out[key] = value.to(torch.float16) if value.is_floating_point() else value
    save_file(out, str(dst / "model.safetensors"), metadata={"format": "pt"})
    log.info("encoder: %d of %d layers, %d of %d vocabulary rows", layers, original["num_hidden_layers"],
             len(keep), original["vocab_size"])


def check(src: Path, dst: Path, files: list[Path], sentences: int = 64) -> float:
    """Max |difference| of the last hidden states, original (bottom layers) vs packed, on `files`."""
    from xner.core.data.readers import read_conll
    from xner.core.models.encoder import keep_bottom_layers, load_hf_encoder

    a, b = load_hf_encoder(str(src), dropout=0.0), load_hf_encoder(str(dst), dropout=0.0)
    keep_bottom_layers(a.model, LAYERS)
    worst = 0.0
    for f in files:
        words = [s.tokens for s in read_conll(f, lang=f.parent.name)][:sentences]
        x = a.tokenizer(words, is_split_into_words=True, padding=True, return_tensors="pt")
        y = b.tokenizer(words, is_split_into_words=True, padding=True, return_tensors="pt")
        if not torch.equal(x["attention_mask"], y["attention_mask"]):
            raise AssertionError(f"{f}: the trimmed tokenizer segments differently")
        with torch.no_grad():
            ha = a.model.eval()(**x).last_hidden_state
            hb = b.model.eval()(**y).last_hidden_state
        worst = max(worst, float((ha - hb).abs().max()))
    return worst


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    p.add_argument("--out", type=Path, default=ROOT / ".carry" / "shared")
    a = p.parse_args()
    shutil.rmtree(a.out, ignore_errors=True)
    for lang in ("en", "es"):
        shutil.copytree(a.shared / "data/conll" / lang, a.out / "data/conll" / lang)
    (a.out / "data/muse").mkdir(parents=True)
    shutil.copy2(a.shared / "data/muse/en-es.txt", a.out / "data/muse/en-es.txt")
    corpus = sorted((a.out / "data/conll").glob("*/*.txt"))
    src, dst = a.shared / "models/me5-small-trimmed", a.out / "models/me5-small-trimmed"
    pack_encoder(src, dst, corpus, a.out / "data/muse/en-es.txt")
    log.info("packed vs original encoder, max |Δh| on 64 sentences per file: %.2e", check(src, dst, corpus))
    size = sum(f.stat().st_size for f in a.out.rglob("*") if f.is_file())
    log.info("packed %s: %.1f MB (carry .carry)", a.out, size / 1e6)
    return 0


if __name__ == "__main__":
    sys.exit(main())
