"""Encoder family: `hf` (any pretrained AutoModel) and `tiny` (a random small BERT for fast runs).

Both factories are called as `ENCODERS.build(name, **kwargs)` with plain keyword arguments and
return an `EncoderBundle` whose freezing is already applied:

- common: `name_or_path`, `dropout`, `frozen_layers`, `freeze_embeddings`, `seed`, `corpus`
  (sentences as lists of tokens; `tiny` trains its vocabulary on them, `hf` ignores both `corpus`
  and `seed` because a pretrained encoder brings its own vocabulary and weights);
- `hf` only: `dtype`;
- `tiny` only: `hidden_size`, `num_layers`, `num_heads`, `intermediate_size`, `vocab_size`,
  `max_positions`, `min_frequency`.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from ..core.errors import ConfigError
from ..core.models.encoder import EncoderBundle, freeze, load_hf_encoder
from ..core.plugins import ENCODERS

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

log = logging.getLogger(__name__)

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
_MAX_WORD_CHARS = 100  # longer words become [UNK], as in BERT's WordPiece


@ENCODERS.register("hf")
def build_hf(
    name_or_path: str,
    *,
    dropout: float = 0.1,
    frozen_layers: int = 3,
    freeze_embeddings: bool = True,
    seed: int = 0,
    corpus: Iterable[Sequence[str]] | None = None,
    dtype: torch.dtype = torch.float32,
) -> EncoderBundle:
    """Any pretrained AutoModel (hub name or local dir); defaults freeze as both papers do."""
    bundle = load_hf_encoder(name_or_path, dropout=dropout, dtype=dtype)
    bundle.frozen = tuple(freeze(bundle.model, freeze_embeddings, frozen_layers))
    return bundle


@ENCODERS.register("tiny")
def build_tiny(
    name_or_path: str = "tiny",
    *,
    corpus: Iterable[Sequence[str]] | None = None,
    dropout: float = 0.1,
    frozen_layers: int = 0,
    freeze_embeddings: bool = False,
    seed: int = 0,
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 2,
    intermediate_size: int = 128,
    vocab_size: int = 2000,
    max_positions: int = 512,
    min_frequency: int = 2,
) -> EncoderBundle:
    """Randomly initialised small BERT + WordPiece learned on `corpus`: CPU-fast smoke runs.

    Nothing is frozen by default: random weights have nothing worth preserving. The result is a
    function of (corpus, sizes, seed) only, and it leaves the global torch RNG untouched.
    """
    from transformers import BertConfig, BertModel  # seconds to import: only when a model is built

    if corpus is None:
        raise ConfigError("encoder: 'tiny' needs `corpus` (token lists) to learn its vocabulary")
    if hidden_size % num_heads:
        raise ConfigError(
            f"encoder.hidden_size ({hidden_size}) must be divisible by num_heads ({num_heads})"
        )
    tokenizer = train_wordpiece_tokenizer(corpus, vocab_size, min_frequency, max_positions)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_positions,
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
        pad_token_id=tokenizer.pad_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = BertModel(config)
    model.eval()  # like from_pretrained: the training loop decides when to switch to train()
    bundle = EncoderBundle(model, tokenizer, hidden_size, name_or_path)
    bundle.frozen = tuple(freeze(model, freeze_embeddings, frozen_layers))
    log.info("tiny encoder: vocab %d, %d layers x %d hidden", len(tokenizer), num_layers, hidden_size)
    return bundle


def train_wordpiece_tokenizer(
    corpus: Iterable[Sequence[str]],
    vocab_size: int = 2000,
    min_frequency: int = 2,
    model_max_length: int = 512,
) -> PreTrainedTokenizerFast:
    """A cased multilingual BERT-style WordPiece tokenizer learned offline on `corpus`.

    `tokenizers` supplies the normalizer (CJK characters split, accents kept), the pre-tokenizer
    and the WordPiece model; the vocabulary itself is learned by `learn_wordpiece_vocab` because
    `tokenizers.trainers.WordPieceTrainer` breaks count ties in Rust hash-map order and returns a
    different vocabulary in every process, which would break cache keys and reproducibility.
    """
    from transformers import PreTrainedTokenizerFast

    normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False
    )
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    words = Counter(word for sentence in corpus for word in sentence)
    if not words:
        raise ConfigError("encoder: 'tiny' got an empty corpus; its vocabulary needs sentences")
    pieces: Counter[str] = Counter()
    for word, count in words.items():
        for piece, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(word)):
            pieces[piece] += count
    vocab = learn_wordpiece_vocab(pieces, vocab_size, min_frequency)
    ids = {token: i for i, token in enumerate(vocab)}
    backend = Tokenizer(
        models.WordPiece(vocab=ids, unk_token="[UNK]", max_input_chars_per_word=_MAX_WORD_CHARS)
    )
    backend.normalizer = normalizer
    backend.pre_tokenizer = pre_tokenizer
    backend.decoder = decoders.WordPiece(prefix="##")
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", ids["[CLS]"]), ("[SEP]", ids["[SEP]"])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="[PAD]",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=model_max_length,
    )


def _split(word: str) -> list[str]:
    return [word[0], *(f"##{c}" for c in word[1:])]


def _merge(symbols: list[str], left: str, right: str, merged: str) -> list[str]:
    out: list[str] = []
    j = 0
    while j < len(symbols):
        if j + 1 < len(symbols) and symbols[j] == left and symbols[j + 1] == right:
            out.append(merged)
            j += 2
        else:
            out.append(symbols[j])
            j += 1
    return out


def learn_wordpiece_vocab(
    word_counts: dict[str, int], vocab_size: int, min_frequency: int = 2
) -> list[str]:
    """HF-style WordPiece learning (BPE merges over `##`-prefixed continuation symbols).

    Vocabulary = special tokens, the sorted alphabet (kept whole even past `vocab_size`), then
    merges by descending pair count, ties broken by the pair's text: fully deterministic.
    """
    kept = sorted(w for w in word_counts if 0 < len(w) <= _MAX_WORD_CHARS)
    words = [_split(w) for w in kept]
    counts = [word_counts[w] for w in kept]
    vocab = list(SPECIAL_TOKENS) + sorted({s for symbols in words for s in symbols})
    known = set(vocab)
    pair_counts: Counter[tuple[str, str]] = Counter()
    where: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    for i, symbols in enumerate(words):
        for pair in itertools.pairwise(symbols):
            pair_counts[pair] += counts[i]
            where[pair].add(i)
    heap = [(-n, pair) for pair, n in pair_counts.items()]
    heapq.heapify(heap)
    while len(vocab) < vocab_size and heap:
        negative, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -negative:
            continue  # stale entry: the count changed since it was pushed
        if -negative < min_frequency:
            break
        left, right = pair
        merged = left + right[2:]  # right always carries the "##" continuation prefix
        delta: defaultdict[tuple[str, str], int] = defaultdict(int)
        for i in where.pop(pair):
            old = words[i]
            new = _merge(old, left, right, merged)
            words[i] = new
            old_pairs, new_pairs = list(itertools.pairwise(old)), list(itertools.pairwise(new))
            for p in old_pairs:
                delta[p] -= counts[i]
            for p in new_pairs:
                delta[p] += counts[i]
            for p in set(old_pairs) - set(new_pairs):
                where[p].discard(i)
            for p in set(new_pairs) - set(old_pairs):
                where[p].add(i)
        # Push only net changes; the heap's (-count, pair) order makes push order irrelevant.
        for p, change in delta.items():
            if change:
                pair_counts[p] += change
                if pair_counts[p] > 0:
                    heapq.heappush(heap, (-pair_counts[p], p))
                else:
                    del pair_counts[p]
        if merged not in known:
            known.add(merged)
            vocab.append(merged)
    return vocab
