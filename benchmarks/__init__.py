"""Micro-benchmarks runnable as `python -m benchmarks.<name>`; each exposes `run() -> list[str]`."""
