"""A student as a Hugging Face `AutoModelForTokenClassification` directory, exactly.

xner's model is `AutoModel` + dropout + `Linear(H, L)`, which is what BERT, XLM-R, ELECTRA,
DeBERTa-v2 and DistilBERT's token-classification heads are: the encoder's keys gain the
`base_model_prefix`, `head.classifier` becomes `classifier`, and only the pooler (which xner's
checkpoints carry but never use) is left out. An architecture whose head has more (ModernBERT's
dense + norm) is refused, never approximated, and every export is checked numerically on a probe
batch before it is written. The directory carries the decoding (`xner` block of config.json), so
`Predictor.from_pretrained` tags exactly as the evaluate stage did.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..errors import XnerError
from ..models.encoder import replace_dir
from .predictor import Decoding

log = logging.getLogger(__name__)

PARITY_TOLERANCE = 1e-5  # max |logit difference| allowed between xner's model and the export
# keys transformers 5 writes into tokenizer_config.json that describe the machine, not the tokenizer
_LOCAL_TOKENIZER_KEYS = ("is_local", "local_files_only")


class ExportError(XnerError):
    """The model cannot be exported as it is (an ensemble, a head HF cannot hold, a bad target)."""


def to_token_classification(model: nn.Module, decoding: Decoding) -> nn.Module:
    """xner's `NerModel` (encoder.model + head.classifier) as an fp32 HF token classifier, loaded
    strictly; raises `ExportError` when the HF class has a parameter xner's model has no value for."""
    from transformers import AutoModelForTokenClassification

    base = model.encoder.model  # type: ignore[union-attr]
    config = copy.deepcopy(base.config)
    config.num_labels = len(decoding.tags)
    config.id2label = dict(enumerate(decoding.tags))
    config.label2id = {t: i for i, t in enumerate(decoding.tags)}
    config.architectures = None
    config.dtype = torch.float32  # never the encoder's own (me5's config says float16)
    try:
        hf = AutoModelForTokenClassification.from_config(config, dtype=torch.float32)
    except ValueError as exc:
        raise ExportError(f"{type(base).__name__} has no token-classification class in transformers: "
                          f"{exc}") from exc
    prefix = hf.base_model_prefix
    state = {f"{prefix}.{k}": v for k, v in base.state_dict().items()}
    head = model.head.classifier  # type: ignore[union-attr]
    state["classifier.weight"], state["classifier.bias"] = head.weight, head.bias
    wanted = hf.state_dict()
    extra = sorted(k for k in state if k not in wanted and not k.startswith(f"{prefix}.pooler."))
    missing = sorted(k for k in wanted if k not in state)
    if extra or missing:
        raise ExportError(
            f"{type(hf).__name__} does not map exactly onto xner's encoder + linear head: it has "
            f"{len(missing)} parameters xner's model lacks {missing[:4]} and lacks {len(extra)} of "
            f"xner's {extra[:4]}; exporting it would change the model, so xner refuses")
    for k, v in wanted.items():
        if tuple(v.shape) != tuple(state[k].shape):
            raise ExportError(f"{k}: shape {tuple(state[k].shape)} in xner's model, "
                              f"{tuple(v.shape)} in {type(hf).__name__}")
    hf.load_state_dict({k: state[k].detach().float() for k in wanted}, strict=True)
    return hf.eval()


@torch.no_grad()
def max_logit_difference(model: nn.Module, hf: nn.Module, tokenizer: Any) -> float:
    """max |Δ| between xner's logits and the export's on a probe batch (with padding)."""
    words = [["Angela", "Merkel", "besuchte", "Paris", "."], ["Madrid", "ha", "ganado", "la", "Liga",
             "con", "el", "Real", "Madrid", "en", "2017", "."]]
    enc = tokenizer(words, is_split_into_words=True, padding=True, return_tensors="pt")
    device = next(model.parameters()).device
    ids, mask = enc["input_ids"].to(device), enc["attention_mask"].to(device)
    model.eval()
    _, ours = model(ids, mask)
    theirs = hf.to(device)(input_ids=ids, attention_mask=mask).logits
    real = mask.bool()
    return float((ours.float() - theirs.float()).abs()[real].max())


def model_card(provenance: dict[str, Any], decoding: Decoding) -> str:
    """README.md with a `model-index` of the scores xner measured (dev and test)."""
    lang, method = provenance.get("language", "?"), provenance.get("method", "?")
    name = provenance.get("name", f"xner-{method}-{lang}")
    results = []
    for split in ("dev", "test"):
        f1 = provenance.get(f"{split}_f1")
        if f1 is not None:
            results.append(
                f"      - task: {{type: token-classification, name: NER}}\n"
                f"        dataset: {{type: {provenance.get('dataset', 'ner')}, name: "
                f"{provenance.get('dataset', 'ner')} {lang} {split}, split: {split}}}\n"
                f"        metrics:\n          - {{type: f1, value: {f1:.2f}, name: entity F1 "
                f"(conlleval)}}")
    body = "\n".join(results) or "      []"
    prov = "\n".join(f"| {k} | {v} |" for k, v in sorted(provenance.items()))
    return (f"---\nlanguage: {lang}\nlibrary_name: transformers\npipeline_tag: token-classification\n"
            f"tags: [ner, xner, cross-lingual, {method}]\nmodel-index:\n  - name: {name}\n"
            f"    results:\n{body}\n---\n\n# {name}\n\n"
            f"A {lang} NER model trained by xner's `{method}` from labelled English and unlabelled {lang} "
            "text only (zero-resource cross-lingual transfer).\n\n"
            "Tag text with xner, which splits words, windows long sentences and decodes with the same "
            "constrained IOB2 Viterbi as the scores below:\n\n"
            f"```bash\nxner predict {name} --input sentences.txt --output tagged.jsonl\n```\n\n"
            "A plain `transformers` token-classification pipeline loads it too, but decodes by argmax "
            "and may produce invalid IOB2; its F1 is not the one below.\n\n"
            f"Labels: {', '.join(decoding.tags)}; "
            f"windows of {decoding.max_length} sub-tokens.\n\n| provenance | |\n| --- | --- |\n{prov}\n")


def write_export(hf: nn.Module, tokenizer: Any, decoding: Decoding, provenance: dict[str, Any],
                 out: str | Path, force: bool = False) -> Path:
    """The HF directory, written to a temporary sibling and renamed: a crash leaves nothing behind,
    and an existing directory is replaced only with `force`."""
    final = Path(out)
    if final.exists() and not force:
        raise ExportError(f"{final} already exists; pass --force to replace it")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        hf.config.xner = {"decoding": decoding.to_dict(), "provenance": provenance}  # type: ignore[union-attr]
        hf.save_pretrained(tmp, safe_serialization=True)  # type: ignore[operator]
        tokenizer.save_pretrained(tmp)
        tok_cfg = tmp / "tokenizer_config.json"
        if tok_cfg.is_file():
            cfg = json.loads(tok_cfg.read_text(encoding="utf-8"))
            for key in _LOCAL_TOKENIZER_KEYS:
                cfg.pop(key, None)
            tok_cfg.write_text(json.dumps(cfg, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (tmp / "README.md").write_text(model_card(provenance, decoding), encoding="utf-8")
        replace_dir(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("exported %s", final)
    return final


def export_model(model: nn.Module, tokenizer: Any, decoding: Decoding, provenance: dict[str, Any],
                 out: str | Path, force: bool = False) -> tuple[Path, float]:
    """Map, check parity, write. Returns the directory and the probe's max |Δ logit|."""
    hf = to_token_classification(model, decoding)
    delta = max_logit_difference(model, hf, tokenizer)
    if delta > PARITY_TOLERANCE:
        raise ExportError(f"the exported model's logits differ from xner's by up to {delta:.2e} "
                          f"(> {PARITY_TOLERANCE:g}) on a probe batch; refusing an approximate export")
    provenance = {**provenance, "max_abs_logit_delta": delta}
    return write_export(hf.cpu(), tokenizer, decoding, provenance, out, force), delta
