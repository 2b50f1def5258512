"""Encoders, heads, discriminators and the constrained Viterbi decoder.

May import: `data` and below."""
