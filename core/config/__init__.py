"""Experiments as typed values: the YAML loader (`extends:`, `--set`, variants) and the schema.

May import: `errors`. Nothing above it, no NER code beyond the names it validates.
"""
