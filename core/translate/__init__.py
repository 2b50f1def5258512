"""TransAdv data creation (paper §2.2, appendix B.2): word-by-word / MT translation with label copy,
code-switching of entities, segment-wise shuffling, cached as the `translate/augment` stage."""

from xner.core.translate.augment import AugmentedCorpus, code_switch, shuffle_corpus, shuffle_sentence
from xner.core.translate.backends import (
    HFTranslator,
    MissingTranslationsError,
    TableTranslator,
    Translator,
    build_translator,
)
from xner.core.translate.cache import CachedTranslator, TranslationCache
from xner.core.translate.command import TranslateReport, translate_command
from xner.core.translate.datasets import DATASET_KEYS, TransAdvDatasets, build_datasets
from xner.core.translate.lexicon import DictionaryError, Lexicon, apply_casing, resolve_dictionary
from xner.core.translate.strategies import (
    STRATEGIES,
    Strategy,
    StrategyConfig,
    Translation,
    make_strategy,
)

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
