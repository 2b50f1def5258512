"""Methods that relabel a corpus with their own models, built from the same nodes as TransAdv and
AdvPicker: TSL, data transfer, UniTrans (baselines of TransAdv's Table 2) and CoLaDa.

Where each follows the authors' code (microsoft/vert-papers) and where xner differs: docs/fidelity.md.
"""

from __future__ import annotations

from ..core.config.loader import ExperimentConfig
from ..core.engine.graph import Node
from ..core.plugins import METHODS
from ..core.stages.builders import (
    distill_node,
    evaluate_node,
    pseudo_node,
    select_node,
    source_node,
    teacher_node,
)


def _student(cfg: ExperimentConfig, pseudo: Node, seed: int, **kw: object) -> Node:
    return distill_node(cfg, pseudo, select_node(cfg, pseudo), seed, **kw)


@METHODS.register("tsl")
def tsl(cfg: ExperimentConfig, lang: str, seed: int) -> Node:
    """TSL (Wu et al., ACL 2020, single source): M_src's soft labels on D_T^u -> a student (MSE)."""
    src = source_node(cfg, lang, seed, [], [])
    pseudo = pseudo_node(cfg, {"source": src}, "weighted", {"source": 1.0}, None)
    return evaluate_node(cfg, [_student(cfg, pseudo, seed)])


@METHODS.register("data-transfer")
def data_transfer(cfg: ExperimentConfig, lang: str, seed: int) -> Node:
    """Data transfer (UniTrans's baseline row): the pretrained encoder fine-tuned on D_T alone."""
    return evaluate_node(cfg, [source_node(cfg, lang, seed, [], [], ner_data=("D_T",))])


@METHODS.register("unitrans")
def unitrans(cfg: ExperimentConfig, lang: str, seed: int) -> Node:
    """UniTrans (Wu et al., IJCAI 2020; run_tgt.sh): M_src on D_S, M_trans on D_T (data transfer),
    M_finetune = M_src fine-tuned on D_T. The student matches the teacher the `teachers` weights name
    (`translation`: M_finetune, the authors' UniTran-fineTran row; `source`: M_src) by MSE, plus
    cross-entropy on the words where all three models' argmax agree (`unitrans.vote`)."""
    src = source_node(cfg, lang, seed, [], [])
    models = {"source": src, "translation": teacher_node(cfg, "translation", src),
              "data-transfer": source_node(cfg, lang, seed, [], [], ner_data=("D_T",))}
    weights = {name: cfg.teacher_weights().get(name, 0.0) for name in models}
    vote = cfg.unitrans.vote
    pseudo = pseudo_node(cfg, models, "weighted", weights, None, relabel={"targets": "probs", "vote": vote},
                         label="pseudo_label[vote]" if vote else "pseudo_label[teacher]")
    return evaluate_node(cfg, [_student(cfg, pseudo, seed, kd_loss="mse+vote" if vote else "mse",
                                        kd_weight=cfg.unitrans.mse_weight if vote else None)])


def colada_rounds(cfg: ExperimentConfig, lang: str, seed: int) -> list[Node]:
    """M_tgt^1..M_tgt^R of CoLaDa (Ma et al., ACL 2023; colada-step1/2.sh), M_tgt^0 = M_src.

    Round i: M_tgt^(i-1) labels D_T, its labels blended into the translated ones (λ, kNN weights
    from its own representations), and M_trans^i trains on them starting from M_tgt^(i-1); M_trans^i
    labels D_T^u (Viterbi), kNN-weighted, and a fresh M_tgt^i learns them. Round i's nodes are the
    same for every R >= i, so fewer rounds cost nothing beside more."""
    c = cfg.colada
    knn = c.knn.model_dump() if c.instance_collaboration else None
    tgt = source_node(cfg, lang, seed, [], [])
    out = []
    for i in range(1, c.rounds + 1):
        lam = (c.blend_first if i == 1 else c.blend_later) if c.model_collaboration else 1.0
        on_trans = pseudo_node(cfg, {"tgt": tgt}, "weighted", {"tgt": 1.0}, None, label=f"relabel[D_T,{i}]",
                               relabel={"corpus": "D_T", "targets": "blend", "lambda": lam,
                                        "knn": knn if lam < 1 else None})
        trans = _student(cfg, on_trans, seed, init=tgt, kd_loss="soft-ce", label=f"M_trans[{i}]")
        on_target = pseudo_node(cfg, {"trans": trans}, "weighted", {"trans": 1.0}, None,
                                label=f"relabel[D_T_u,{i}]",
                                relabel={"corpus": "D_T_u", "targets": "hard", "decode": c.hard, "knn": knn})
        tgt = _student(cfg, on_target, seed, kd_loss="soft-ce", label=f"M_tgt[{i}]")
        out.append(tgt)
    return out


@METHODS.register("colada")
def colada(cfg: ExperimentConfig, lang: str, seed: int) -> Node:
    """CoLaDa: the last round's M_tgt^R, evaluated."""
    return evaluate_node(cfg, [colada_rounds(cfg, lang, seed)[-1]])
