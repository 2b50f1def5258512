"""The overrides of the tiny TransAdv that the model-export tests train (tests/inference/)."""

from demo_experiment import TINY

# one teacher (entity) besides Θsrc: the smallest TransAdv whose student learns from a union
SETS = [a for s in [*TINY, "teachers.context.weight=0", "teachers.order.weight=0"] for a in ("--set", s)]
