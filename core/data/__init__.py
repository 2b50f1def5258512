"""Corpora as Arrow tables, readers and writers, IOB2 label sets, subword alignment, batching and
entity-level metrics.

May import: `config`, `engine` (content hashes) and `errors`."""
