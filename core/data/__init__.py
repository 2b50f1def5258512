"""Corpora as Arrow tables, readers and writers, subword alignment and batching."""
