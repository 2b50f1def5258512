"""An offline WordPiece tokenizer for tests: trained in milliseconds, no Hugging Face hub needed."""

from __future__ import annotations

from collections.abc import Sequence

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# a vocabulary small enough that most words split into several pieces
WORDS = [
    "international", "national", "nation", "berlin", "germany", "paris", "france", "angela",
    "merkel", "madrid", "spain", "barcelona", "european", "union", "commission", "president",
    "minister", "government", "parliament", "república", "abogado", "general", "estado",
    "williams", "subrayó", "hoy", "the", "of", "and", "in", "to", "a",
]


def build_wordpiece_tokenizer(
    words: Sequence[str] = WORDS, vocab_size: int = 120
) -> PreTrainedTokenizerFast:
    """BERT-style (lowercased, `[CLS] ... [SEP]`) fast tokenizer trained on `words`."""
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(
        list(words) * 3, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIALS)
    )
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tok.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
