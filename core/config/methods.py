"""Settings of the methods built from relabelling stages (UniTrans, CoLaDa) and the published numbers
a table sets its rows against. Defaults are the authors' scripts (microsoft/vert-papers)."""

from __future__ import annotations

from pydantic import Field, field_validator

from .section import Section


class KnnConfig(Section):
    """CoLaDa's instance collaboration (`models/knn.py`, `load_knn`; colada-step1/2.sh)."""

    k: int = Field(500, ge=1, description="neighbours per word (K)")
    layers: int = Field(3, ge=1, description="word vector: mean of the last N encoder layers (knn_lid)")
    alpha: float = Field(6.0, ge=0, description="sigmoid sharpness a (ealpha)")
    mu: float = Field(1.0, ge=0, description="offset m x the class mean (emu)")
    skip: int = Field(1, ge=0, description="nearest non-identical neighbours passed over (their [:, 1:])")


class ColadaConfig(Section):
    """CoLaDa (Ma et al., ACL 2023): R rounds of M_trans^i then M_tgt^i."""

    rounds: int = Field(8, ge=1, description="R: rounds of model collaboration (slf_iter)")
    blend_first: float = Field(0.5, ge=0, le=1, description="λ of round 1: λ translated labels + "
                               "(1-λ) w M_tgt's prediction (trans_lam)")
    blend_later: float = Field(0.1, ge=0, le=1, description="λ of rounds 2..R")
    model_collaboration: bool = Field(True, description="false: M_trans learns the translated labels "
                                      "alone (λ = 1), M_tgt^(i-1) no longer denoises them")
    instance_collaboration: bool = Field(True, description="false: no kNN weights (w = 1)")
    hard: str = Field("viterbi", description="M_tgt's labels from M_trans: viterbi (the authors' CRF "
                      "decoding) | argmax")
    knn: KnnConfig = Field(default_factory=KnnConfig)

    @field_validator("hard")
    @classmethod
    def _hard(cls, value: str) -> str:
        if value not in ("viterbi", "argmax"):
            raise ValueError(f"{value!r} is neither viterbi nor argmax")
        return value


class UniTransConfig(Section):
    """UniTrans (Wu et al., IJCAI 2020; `run_tgt.sh`): the student matches one teacher's
    probabilities (MSE) and learns, by cross-entropy, the words on which all three models agree."""

    vote: bool = Field(True, description="hard labels where M_src, M_trans and M_finetune agree "
                       "(do_filter_token); false: the soft labels alone")
    mse_weight: float = Field(1.0, gt=0, description="weight of the MSE term (lambda_original_loss)")


class PublishedRow(Section):
    """One table row's F1 as its paper printed it, per target language, and where it was printed."""

    source: str = Field(description="paper, table and row the numbers come from")
    f1: dict[str, float | None] = Field(description="language -> published F1 (%); null: not reported")

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("'' is empty; say which paper and table the numbers come from")
        return value

    @field_validator("f1")
    @classmethod
    def _f1(cls, values: dict[str, float | None]) -> dict[str, float | None]:
        bad = {lang: v for lang, v in values.items() if v is not None and not 0 <= v <= 100}
        if bad:
            raise ValueError(f"{bad} outside [0, 100]; give F1 in percent")
        given = [v for v in values.values() if v is not None]
        if given and max(given) <= 1:  # 0.8093 for 80.93: no published F1 sits below 1 %
            raise ValueError(f"{values} look like fractions; give F1 in percent (80.93, not 0.8093)")
        return values


PublishedConfig = dict[str, PublishedRow]
