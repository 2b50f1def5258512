"""Length-bucketed dynamic padding vs fixed 128-token padding (the papers' `view(-1, 128)`).

Why: CoNLL sentences average ~14 words (~25 sub-tokens), so padding every row to 128 mostly feeds
padding through the encoder. This measures the padded-token fraction and the time of one forward
epoch of a tiny BERT for: fixed-128 padding, dynamic padding in random order (what bucketing adds on
top of dynamic padding alone), and bucketed + dynamic padding (`make_loader`).
Run: `python -m benchmarks.bench_batching [--sentences 1000] [--batch 32] [--device cpu]`.
"""

from __future__ import annotations

import argparse
import logging
import string
import time
from collections.abc import Callable, Iterable

import numpy as np
import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

from xner.core.data.align import EncodedCorpus, encode_corpus
from xner.core.data.batching import EncodedDataset, collate, make_loader
from xner.core.data.corpus import Corpus, Sentence
from xner.core.data.labels import CONLL_TYPES, LabelSet

log = logging.getLogger(__name__)
MAX_LENGTH = 128


def synthetic_corpus(n: int, seed: int) -> Corpus:
    """Sentences with CoNLL-like lengths (lognormal, mean ~14 words, long tail) over Zipfian words."""
    rng = np.random.default_rng(seed)
    letters = list(string.ascii_lowercase)
    vocab = ["".join(rng.choice(letters, size=int(rng.integers(2, 11)))) for _ in range(3000)]
    freq = 1.0 / np.arange(1, len(vocab) + 1)
    lengths = np.clip(rng.lognormal(mean=2.5, sigma=0.55, size=n).astype(int), 1, 124)
    tags = LabelSet(CONLL_TYPES).tags
    sents = []
    for k in lengths:
        words = [vocab[i] for i in rng.choice(len(vocab), size=int(k), p=freq / freq.sum())]
        sents.append(Sentence(words, [tags[i] for i in rng.integers(0, len(tags), int(k))]))
    return Corpus.from_sentences(sents, name="synthetic", lang="xx")


def wordpiece_tokenizer(corpus: Corpus, size: int = 1200) -> PreTrainedTokenizerFast:
    """BERT-style tokenizer trained on the corpus (no hub access): ~2 pieces per word, like CoNLL."""
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    words = (w for s in corpus for w in s.tokens)  # frequent words become whole tokens
    tok.train_from_iterator(words, trainers.WordPieceTrainer(vocab_size=size,
                                                             special_tokens=specials))
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]")


def fixed_batches(encoded: EncodedCorpus, batch: int) -> Iterable[dict[str, torch.Tensor]]:
    """Rows in corpus order, every one padded to MAX_LENGTH, as the papers' code does."""
    data = EncodedDataset(encoded)
    for lo in range(0, len(data), batch):
        out = collate([data[i] for i in range(lo, min(lo + batch, len(data)))], encoded.pad_id)
        extra = MAX_LENGTH - out["input_ids"].shape[1]
        out["input_ids"] = torch.nn.functional.pad(out["input_ids"], (0, extra),
                                                   value=encoded.pad_id)  # [B, 128]
        out["attention_mask"] = torch.nn.functional.pad(out["attention_mask"], (0, extra))
        yield out


def random_dynamic_batches(encoded: EncodedCorpus, batch: int, seed: int
                           ) -> Iterable[dict[str, torch.Tensor]]:
    """Shuffled rows padded to each batch's longest: dynamic padding without bucketing."""
    data = EncodedDataset(encoded)
    perm = np.random.default_rng(seed).permutation(len(data))
    for lo in range(0, len(perm), batch):
        yield collate([data[int(i)] for i in perm[lo : lo + batch]], encoded.pad_id)


def epoch(model: BertModel, batches: Iterable[dict[str, torch.Tensor]], device: str
          ) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of this process, padded-token fraction) of one forward epoch.

    CPU seconds matter on a shared CPU machine: other processes inflate wall time, not them.
    """
    real = total = 0
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0, c0 = time.perf_counter(), time.process_time()
    with torch.inference_mode():
        for b in batches:
            ids = b["input_ids"].to(device)  # [B, S]
            mask = b["attention_mask"].to(device)  # [B, S]
            model(input_ids=ids, attention_mask=mask)
            real += int(mask.sum())
            total += mask.numel()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - t0, time.process_time() - c0, 1.0 - real / total


def run(
    sentences: int = 1000,
    batch: int = 32,
    device: str = "cpu",
    repeats: int = 3,
    threads: int = 1,
    seed: int = 0,
) -> list[str]:
    """Encode a synthetic corpus, then time forward epochs under the three batching schemes.

    Schemes are interleaved and the best of `repeats` epochs is kept, so a busy machine (other
    processes, first-seen shapes) disturbs the comparison as little as possible; one CPU thread by
    default, as spinning worker threads make timings on a shared machine meaningless.
    """
    torch.set_num_threads(threads)
    corpus = synthetic_corpus(sentences, seed)
    tok = wordpiece_tokenizer(corpus)
    t0 = time.perf_counter()
    encoded = encode_corpus(corpus, tok, LabelSet(CONLL_TYPES), max_length=MAX_LENGTH)
    t_encode = time.perf_counter() - t0
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(tok), hidden_size=128, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=512,
                        max_position_embeddings=MAX_LENGTH)
    model = BertModel(config).to(device).eval()
    loader = make_loader(encoded, batch, shuffle=True, seed=seed)
    schemes: dict[str, Callable[[], Iterable[dict[str, torch.Tensor]]]] = {
        "fixed 128, corpus order": lambda: fixed_batches(encoded, batch),
        "dynamic, random order": lambda: random_dynamic_batches(encoded, batch, seed),
        "bucketed + dynamic": lambda: loader,
    }
    best = {name: (float("inf"), float("inf")) for name in schemes}  # (wall, cpu)
    padded: dict[str, float] = {}
    epoch(model, list(fixed_batches(encoded, batch))[:3], device)  # warm-up
    for _ in range(repeats):
        for name, batches in schemes.items():
            wall, cpu, padded[name] = epoch(model, batches(), device)
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    words = sum(len(s.tokens) for s in corpus)
    lines = [
        f"{sentences} sentences, {words / sentences:.1f} words and "
        f"{float(encoded.lengths.mean()):.1f} sub-tokens per row (incl. specials), "
        f"{len(encoded)} rows, encoded in {t_encode:.2f}s; batch={batch} device={device} "
        f"torch={torch.__version__} threads={torch.get_num_threads()}; BERT 2x128; "
        f"best of {repeats}",
        f"{'batching':<26}{'padded tokens':>15}{'wall s/epoch':>14}{'cpu s/epoch':>13}"
        f"{'speed-up (cpu s)':>18}",
    ]
    base = best["fixed 128, corpus order"][1]
    for name, (wall, cpu) in best.items():
        lines.append(f"{name:<26}{padded[name]:>14.1%}{wall:>14.2f}{cpu:>13.2f}"
                     f"{base / cpu:>17.1f}x")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for line in run(args.sentences, args.batch, args.device, args.repeats, args.threads):
        log.info(line)


if __name__ == "__main__":
    main()
