"""xner's encoder + linear head maps onto AutoModelForTokenClassification exactly for the BERT family,
and an architecture whose HF head holds more (ModernBERT) is refused, not approximated."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch
from transformers import (
    AutoModel,
    BertConfig,
    DebertaV2Config,
    DistilBertConfig,
    ElectraConfig,
    XLMRobertaConfig,
)

from xner.core.data.batching import make_loader
from xner.core.inference.export import ExportError, to_token_classification
from xner.core.inference.predictor import Decoding
from xner.core.models.encoder import TokenEncoder
from xner.core.models.ner_model import NerModel
from xner.core.stages.services import label_set_for

DEC = Decoding(("O", "B-LOC", "I-LOC", "B-PER", "I-PER"), max_length=32)
SMALL = {"vocab_size": 99, "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
         "intermediate_size": 24, "max_position_embeddings": 64}
CONFIGS = {
    "bert": BertConfig(**SMALL),
    "xlm-roberta": XLMRobertaConfig(**SMALL),
    "electra": ElectraConfig(**SMALL, embedding_size=16),
    "deberta-v2": DebertaV2Config(**SMALL),
    "distilbert": DistilBertConfig(vocab_size=99, dim=16, n_layers=2, n_heads=2, hidden_dim=24,
                                   max_position_embeddings=64),
}


def _model(config) -> NerModel:
    torch.manual_seed(0)
    model = NerModel(TokenEncoder(AutoModel.from_config(config)), len(DEC.tags)).eval()
    torch.nn.init.normal_(model.head.classifier.bias)
    return model


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_the_export_computes_the_same_logits(name: str) -> None:
    model = _model(CONFIGS[name])
    hf = to_token_classification(model, DEC)
    ids = torch.randint(5, 99, (3, 11))
    mask = torch.ones_like(ids)
    mask[1, 7:] = 0
    with torch.no_grad():
        ours = model(ids, mask)[1]
        theirs = hf(input_ids=ids, attention_mask=mask).logits
    assert float((ours - theirs).abs()[mask.bool()].max()) == 0.0
    assert hf.config.id2label == dict(enumerate(DEC.tags))
    assert next(hf.parameters()).dtype == torch.float32


def test_a_head_with_more_than_a_linear_layer_is_refused() -> None:
    from transformers import ModernBertConfig

    config = ModernBertConfig(vocab_size=99, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                              intermediate_size=24, max_position_embeddings=64,
                              pad_token_id=0, eos_token_id=1, bos_token_id=2, cls_token_id=2, sep_token_id=1)
    with pytest.raises(ExportError, match="does not map exactly"):
        to_token_classification(_model(config), DEC)


def test_a_label_set_not_in_xners_order_is_refused() -> None:
    from xner.core.errors import ConfigError

    with pytest.raises(ConfigError, match="not an IOB2 set in xner's order"):
        Decoding(("O", "B-PER", "I-PER", "B-LOC", "I-LOC"), max_length=32)


SHARED = Path(os.environ.get("XNER_SHARED") or Path(__file__).resolve().parents[2].parent / "shared")
ME5 = SHARED / "models" / "me5-small-trimmed"


@pytest.mark.skipif(not (ME5.is_dir() and (SHARED / "data/conll/de/test.txt").is_file()),
                    reason=f"shared model or data absent: no {ME5} (set XNER_SHARED to the shared/ folder)")
def test_me5_cut_to_6_layers_and_partly_frozen_exports_exactly_on_german_test(tmp_path: Path) -> None:
    """The real encoder as the proxy configures it (6 of 12 layers, embeddings + 2 frozen; its config
    says float16): the export reads 300 German test sentences with max |Δ logit| = 0."""
    from xner.core.data.readers import read_corpus
    from xner.core.inference.export import export_model
    from xner.core.inference.predictor import Predictor
    from xner.core.stages.services import Services

    svc = Services(cache_dir=tmp_path / "cache", device=torch.device("cpu"))
    enc = {"dropout": 0.1, "num_layers": 6, "freeze_embeddings": True, "frozen_layers": 2}
    dec = Decoding(tuple(label_set_for({"format": "conll"}).tags), max_length=128)
    torch.manual_seed(0)
    model = svc.new_model(enc, str(ME5), len(dec.tags))
    tok = svc.tokenizer(str(ME5))
    out, delta = export_model(model, tok, dec, {"language": "de"}, tmp_path / "de")
    ours, theirs = Predictor(model, tok, dec, "cpu"), Predictor.from_pretrained(out, "cpu")
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["num_hidden_layers"] == 6 and cfg.get("dtype", "float32") == "float32"
    corpus = read_corpus(SHARED / "data/conll/de/test.txt", "conll", lang="de")
    corpus = corpus.select(range(300))
    encoded = ours.encode(corpus)
    worst = 0.0
    with torch.no_grad():
        for batch in make_loader(encoded, 32, shuffle=False):
            ids, mask = batch["input_ids"], batch["attention_mask"]
            diff = (ours.model(ids, mask)[1] - theirs.model(ids, mask)[1]).abs()[mask.bool()]
            worst = max(worst, float(diff.max()))
    assert worst == 0.0 and delta == 0.0
