"""Discriminators by name: each is the default spec a source or teacher stage trains it with."""

from xner.core.registry import DISCRIMINATORS

# kind: token-level `language` (Eq. 3) or sentence-level `order` (Eq. 4); mask: which words (Eq. 6);
# data: datasets it discriminates (None: the method decides, e.g. AdvPicker D_S vs D_T^u).
DISCRIMINATORS.register("language")(
    {"kind": "language", "mask": "all", "hidden": 500, "data": None})
DISCRIMINATORS.register("order")(
    {"kind": "order", "mask": "all", "hidden": 256, "data": ["D_S", "D_T", "D_S_shu", "D_T_shu"]})
DISCRIMINATORS.register("entity-language")(
    {"kind": "language", "mask": "entity", "hidden": 500, "data": ["D_T", "D_T_swi"],
     "init_from": "language"})
DISCRIMINATORS.register("context-language")(
    {"kind": "language", "mask": "context", "hidden": 500, "data": ["D_T", "D_S_swi"],
     "init_from": "language"})
