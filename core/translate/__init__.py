"""TransAdv data creation (paper §2.2, appendix B.2): word-by-word / MT translation with label copy,
code-switching of entities, segment-wise shuffling, cached as the `translate/augment` stage.

May import: `data` and below."""

from .augment import AugmentedCorpus, code_switch, shuffle_corpus, shuffle_sentence
from .backends import HFTranslator, MissingTranslationsError, TableTranslator, Translator, build_translator
from .cache import CachedTranslator, TranslationCache
from .command import TranslateReport, translate_command
from .datasets import DATASET_KEYS, TransAdvDatasets, build_datasets
from .lexicon import DictionaryError, Lexicon, apply_casing, resolve_dictionary
from .strategies import STRATEGIES, Strategy, StrategyConfig, Translation, make_strategy

__all__ = [
    "DATASET_KEYS",
    "STRATEGIES",
    "AugmentedCorpus",
    "CachedTranslator",
    "DictionaryError",
    "HFTranslator",
    "Lexicon",
    "MissingTranslationsError",
    "Strategy",
    "StrategyConfig",
    "TableTranslator",
    "TransAdvDatasets",
    "TranslateReport",
    "Translation",
    "TranslationCache",
    "Translator",
    "apply_casing",
    "build_datasets",
    "build_translator",
    "code_switch",
    "make_strategy",
    "resolve_dictionary",
    "shuffle_corpus",
    "shuffle_sentence",
    "translate_command",
]
