"""The embedded demo corpus: a generated multilingual NER corpus (en/es/de/nl), its bilingual lexicon
and a stand-in MT table, so that `make demo` and the tests need no downloaded data.

May import: `translate`, `data` and below.
"""
