"""Encoders, heads, discriminators and the constrained Viterbi decoder."""
