"""Stage functions of the graph: encoder, translate, source, teacher, pseudo_label, select, distill,
evaluate. Each reads only its node's params and inputs, and writes only into its private directory.
`builders.py` turns a config into those nodes.

May import: `train`, `models`, `translate`, `data`, `config`, `engine`, `plugins`."""

from .inputs import run_encoder, run_translate
from .labelling import run_distill, run_evaluate, run_pseudo_label, run_select
from .training import run_source, run_teacher

STAGES = {
    "encoder": run_encoder,
    "translate": run_translate,
    "source": run_source,
    "teacher": run_teacher,
    "pseudo_label": run_pseudo_label,
    "select": run_select,
    "distill": run_distill,
    "evaluate": run_evaluate,
}
