"""Discriminators by name: each is the default spec a source or teacher stage trains it with."""

from ..core.plugins import DISCRIMINATORS

# kind: token-level `language` (Eq. 3) or sentence-level `order` (Eq. 4); mask: which words (Eq. 6);
# data: datasets it discriminates (None: the method decides, e.g. AdvPicker D_S vs D_T^u).
DISCRIMINATORS.register("language", "Token-level language discriminator, MLP 500 (TransAdv Eq. 3, "
                        "AdvPicker's TLADV): source vs target per word.")(
    {"kind": "language", "mask": "all", "hidden": 500, "data": None})
DISCRIMINATORS.register("order", "Sentence-level word-order discriminator, LSTM 256 (TransAdv Eq. 4): "
                        "original vs shuffled D_S/D_T.")(
    {"kind": "order", "mask": "all", "hidden": 256, "data": ["D_S", "D_T", "D_S_shu", "D_T_shu"]})
DISCRIMINATORS.register("entity-language", "Language discriminator on entity words only (TransAdv "
                        "Eq. 6), D_T vs D_T^swi; starts from Θsrc's language discriminator.")(
    {"kind": "language", "mask": "entity", "hidden": 500, "data": ["D_T", "D_T_swi"],
     "init_from": "language"})
DISCRIMINATORS.register("context-language", "Language discriminator on context (O) words only "
                        "(TransAdv Eq. 6), D_T vs D_S^swi; starts from Θsrc's language discriminator.")(
    {"kind": "language", "mask": "context", "hidden": 500, "data": ["D_T", "D_S_swi"],
     "init_from": "language"})
