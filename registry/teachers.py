"""Teachers by name (TransAdv §2.4): a dataset mix fine-tuned from Θsrc, plus an optional masked
discriminator. `source` is Θsrc itself and trains nothing new."""

from xner.core.registry import TEACHERS

TEACHERS.register("source")({"data": None, "discriminator": None})
TEACHERS.register("entity")({"data": ["D_T", "D_T_swi"], "discriminator": "entity-language"})
TEACHERS.register("context")({"data": ["D_T", "D_S_swi"], "discriminator": "context-language"})
TEACHERS.register("order")({"data": ["D_T", "D_T_shu"], "discriminator": None})
