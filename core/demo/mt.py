"""A stand-in "machine translation" table for the demo, so the translation-strategy ablation (TransAdv
App. B.2) runs offline on the embedded corpus through the same `table` backend a user would fill
from a real MT system.

It knows more than the word dictionary in one way that matters for B.2: whole entity names are
translated as names (`New York` -> `Nueva York`, exonyms of multi-word names), where a word-by-word
system can only translate each word, and a Spanish context stretch puts adjectives after nouns.
Otherwise it goes word by word with each word's preferred translation (unknown words copied, as an
MT system copies names).
"""

from __future__ import annotations

from pathlib import Path

from ..translate.segments import split_segments
from .corpus import _write_atomic, demo_corpus, dictionary_pairs
from .lexicon import load_lexicon


def mt_table(lang: str, source_sentences: int | None = None, seed: int = 0) -> dict[str, str]:
    """English unit (a word, an entity name, or a context stretch of the English train split) ->
    its target-language rendering."""
    words = {src: tgts[0] for src, tgts in dictionary_pairs(lang)}

    def by_word(text: str) -> str:
        out = []
        for w in text.split():
            t = words.get(w.lower(), w)
            out.append(t.capitalize() if w[:1].isupper() and t[:1].islower() else t)
        return " ".join(out)

    lx = load_lexicon()
    adjectives = {a.en.lower() for a in (*lx.adjectives, *lx.nationalities)}
    nouns = {f.lower() for n in lx.nouns for f in n.forms["en"]}

    def by_phrase(text: str) -> str:
        """Word by word, but Spanish puts an adjective after its noun, as a phrase-level MT would."""
        ws = text.split()
        if lang == "es":
            for i in range(len(ws) - 1):
                if ws[i].lower() in adjectives and ws[i + 1].lower() in nouns:
                    ws[i], ws[i + 1] = ws[i + 1], ws[i]
        return by_word(" ".join(ws))

    names = {" ".join(e.forms["en"]): " ".join(e.forms[lang])
             for pools in lx.entities.values() for ents in pools.values() for e in ents}
    table: dict[str, str] = {}
    for sent in demo_corpus("en", "train", seed=seed, n=source_sentences):
        for etype, a, b in split_segments(sent.tags):
            seg = sent.tokens[a:b]
            for w in seg:
                table.setdefault(w, names.get(w, by_word(w)))
            phrase = " ".join(seg)
            table.setdefault(phrase, names.get(phrase, by_word(phrase)) if etype else by_phrase(phrase))
    return table


def write_demo_mt_table(lang: str, path: str | Path, seed: int = 0, source_sentences: int | None = None
                        ) -> Path:
    """`source<TAB>translation` per line, the format of the `table` translation backend; it covers the
    English train split written with the same seed and size."""
    lines = [f"{src}\t{tgt}\n" for src, tgt in sorted(mt_table(lang, source_sentences, seed).items())]
    _write_atomic(Path(path), "".join(lines))
    return Path(path)
