"""Teachers by name (TransAdv §2.4): a dataset mix fine-tuned from Θsrc, plus an optional masked
discriminator. `source` is Θsrc itself and trains nothing new."""

from ..core.plugins import TEACHERS

TEACHERS.register("source", "Θsrc itself, the MLADV source model (Eq. 7's w1); trains nothing new.")(
    {"data": None, "discriminator": None})
TEACHERS.register("entity", "Θentity: Θsrc fine-tuned on D_T + D_T^swi with the entity-language "
                  "discriminator (§2.4).")(
    {"data": ["D_T", "D_T_swi"], "discriminator": "entity-language"})
TEACHERS.register("context", "Θcontext: Θsrc fine-tuned on D_T + D_S^swi with the context-language "
                  "discriminator (§2.4).")(
    {"data": ["D_T", "D_S_swi"], "discriminator": "context-language"})
TEACHERS.register("order", "Θorder: Θsrc fine-tuned on D_T + D_T^shu, word-order-robust (§2.4).")(
    {"data": ["D_T", "D_T_shu"], "discriminator": None})
TEACHERS.register("translation", "M_finetune (UniTrans): Θsrc fine-tuned on the translated D_T alone.")(
    {"data": ["D_T"], "discriminator": None})
