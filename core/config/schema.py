"""The typed shape of one experiment: every knob either paper varies, with the papers' defaults.

Loading, merging and error formatting live in `xner.core.config.loader`; this module only declares what a
valid experiment is. Component names (`method`, `encoder.name`, keys of `discriminators`/`teachers`,
`selection.strategy`, `translation.strategy`) stay plain strings: `core` never imports `registry`, so
they are checked when the pipeline builds the components.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .methods import ColadaConfig, PublishedConfig, UniTransConfig
from .search import SearchConfig
from .section import FieldError, Section, num_text

_DEVICE = re.compile(r"auto|cpu|cuda|cuda:\d+")


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


class TinyEncoderConfig(Section):
    hidden: int = Field(64, gt=0, description="hidden size of the randomly initialised encoder")
    layers: int = Field(2, gt=0, description="transformer layers")
    heads: int = Field(2, gt=0, description="attention heads; must divide `hidden`")
    intermediate: int = Field(128, gt=0, description="feed-forward size")
    vocab_size: int = Field(2000, gt=0, description="vocabulary size of its tokenizer")

    @model_validator(mode="after")
    def _heads_divide_hidden(self) -> TinyEncoderConfig:
        if self.hidden % self.heads:
            raise FieldError("heads", f"{self.heads} does not divide hidden={self.hidden}")
        return self


class EncoderConfig(Section):
    name: str = Field("hf", description="encoder component: hf (any AutoModel) | tiny (tests, CPU)")
    path: str = Field("bert-base-multilingual-cased", description="HF model name or local dir")
    frozen_layers: int = Field(3, ge=0, description="bottom transformer layers kept frozen")
    freeze_embeddings: bool = Field(True, description="freeze the embedding layer (both papers)")
    dropout: float = Field(0.1, ge=0, lt=1, description="dropout before the NER head")
    max_length: int = Field(128, ge=8, description="sub-tokens per sentence, [CLS]/[SEP] included")
    num_layers: int | None = Field(None, gt=0, description="keep only the bottom k pretrained layers; "
                                   "None: all (a smaller real model for CPU proxies)")
    tiny: TinyEncoderConfig = Field(default_factory=TinyEncoderConfig)

    @field_validator("path")
    @classmethod
    def _local_path(cls, path: str, info: ValidationInfo) -> str:
        """`./x` and `../x` are directories next to the experiment file; anything else is a hub name
        or an absolute path and is kept as written."""
        base = (info.context or {}).get("base_dir")
        if base is not None and path.startswith(("./", "../")):
            return str((Path(base) / path).resolve())
        return path


class DataConfig(Section):
    format: Literal["conll", "wikiann"] = Field("conll", description="reader for the files")
    root: str = Field(description="data directory; relative: against the experiment file")
    source_lang: str = Field("en", description="the labelled source language")
    target_langs: list[str] = Field(description="unlabelled target languages, one run each")
    path_template: str = Field("{root}/{lang}/{split}.txt", description="one language's split")
    max_train_sentences: int | None = Field(None, gt=0, description="subsample (CPU proxies)")
    max_eval_sentences: int | None = Field(None, gt=0, description="subsample dev/test")
    unlabeled_split: str = Field("train", description="target split used without its labels")
    unlabeled_format: Literal["labelled", "tokens", "raw"] = Field(
        "labelled", description="the unlabelled target file: labelled (a `format` file, tags ignored) | "
        "tokens (one token per line, blank line between sentences) | raw (one sentence per line)")
    word_tokenizer: str = Field("simple", description="unlabeled_format raw: the registered word "
                                "tokenizer that splits each line (the one `xner predict --words` uses)")
    labels: list[str] | None = Field(None, description="entity types (e.g. [PER, ORG, DATE]); None: the "
                                     "types of the source train file. Target files are checked against them")
    encoding: str | None = Field(None, description="file encoding; None: detect")

    @field_validator("labels")
    @classmethod
    def _labels(cls, labels: list[str] | None) -> list[str] | None:
        if labels is None:
            return None
        if not labels:
            raise ValueError("[] names no entity type; list them (e.g. [PER, ORG]) or leave it unset")
        bad = [t for t in labels if not t or any(c.isspace() for c in t) or t.startswith(("B-", "I-"))
               or t == "O"]
        if bad:
            raise ValueError(f"{bad}: entity types are bare names such as PER or DATE (no B-/I-, no spaces)")
        if len(set(labels)) != len(labels):
            raise ValueError(f"{labels} lists a type twice")
        return labels

    @field_validator("root")
    @classmethod
    def _absolute_root(cls, root: str, info: ValidationInfo) -> str:
        """Relative roots mean "next to the experiment file", not "wherever the CLI was started"."""
        base = (info.context or {}).get("base_dir")
        if base is not None and not Path(root).is_absolute():
            return str((Path(base) / root).resolve())
        return root

    @field_validator("target_langs")
    @classmethod
    def _langs(cls, langs: list[str]) -> list[str]:
        if not langs:
            raise ValueError("[] is empty; name at least one target language")
        if len(set(langs)) != len(langs):
            raise ValueError(f"{langs} lists a language twice")
        return langs

    @field_validator("path_template")
    @classmethod
    def _template(cls, template: str) -> str:
        unknown = _placeholders(template) - {"root", "lang", "split"}
        if unknown or not {"lang", "split"} <= _placeholders(template):
            raise ValueError(f"{template!r} must use {{lang}} and {{split}} (and may use {{root}})")
        return template

    def path_for(self, lang: str, split: str) -> Path:
        return Path(self.path_template.format(root=self.root, lang=lang, split=split))


class MTConfig(Section):
    backend: Literal["hf", "table", "aligned"] = Field(
        "hf", description="seq2seq model | translations file | token-aligned translated corpus")
    model: str | None = Field(None, description="HF model name or directory for backend hf")
    table: str | None = Field(None, description="translations file for backend table")
    on_missing: Literal["fail", "copy"] = Field("fail", description="sentence absent from table")

    @model_validator(mode="after")
    def _table_given(self) -> MTConfig:
        if self.backend in ("table", "aligned") and self.table is None:
            raise FieldError("table", f"None: backend {self.backend!r} needs a translations file")
        return self


class TranslationConfig(Section):
    strategy: str = Field("lexicon-word", description="translator component, or 'none'")
    dictionary: str = Field("{root}/../muse/{src}-{lang}.txt", description="MUSE lexicon")
    file: str | None = Field(None, description="precomputed: the source train file translated, sentence "
                             "by sentence, CoNLL with labels (e.g. {root}/unitrans/{src}2{lang}.train.txt)")
    fallback: str | None = Field(None, description="precomputed: the strategy for a language without a "
                                 "file (e.g. lexicon-word for en->nl); None: a missing file is an error")
    candidate: Literal["first", "random"] = Field("first", description="which lexicon translation")
    casing: Literal["source", "german-nouns", "none", "target"] = Field(
        "source", description="of translated words; target: each context word's dominant form in the "
        "unlabelled target text (German nouns capitalised), entities as in the source")
    keep_per: bool = Field(True, description="copy person names untranslated")
    translate_entities: bool = Field(True, description="translate words inside entities")
    mt: MTConfig = Field(default_factory=MTConfig)

    @field_validator("dictionary", "file")
    @classmethod
    def _dictionary(cls, template: str | None) -> str | None:
        if template is None:
            return None
        unknown = _placeholders(template) - {"root", "src", "lang"}
        if unknown:
            raise ValueError(f"{template!r} uses {sorted(unknown)}; allowed: root, src, lang")
        return template


class DiscriminatorConfig(Section):
    hidden: int = Field(500, gt=0, description="hidden size (papers: language 500, order 256)")
    lr: float | None = Field(None, gt=0, description="None: train.lr_discriminator")
    data: str | None = Field(None, description="dataset it discriminates; None: component default")


class TeacherConfig(Section):
    weight: float = Field(1.0, ge=0, description="weight in the soft-label mix; 0: not trained")
    epochs: int | None = Field(None, gt=0, description="None: train.teacher_epochs or train.epochs")


class PseudoLabelConfig(Section):
    combine: Literal["weighted", "best-of-seeds"] | None = Field(
        None, description="None: the method's own (TransAdv weighted, AdvPicker best-of-seeds)")
    ensemble_size: int = Field(5, ge=1, description="AdvPicker: TLADV models (seeds) per soft label")
    confidence: Literal["sum-prob", "mean-max-logit"] = Field(
        "mean-max-logit", description="best-of-seeds sequence confidence: Σ_words max p (paper text) | "
        "mean over sub-tokens of the max logit (authors' overlap_all.py)")


class SelectionConfig(Section):
    strategy: str = Field("all", description="selector component: all | adversarial")
    ratio: float = Field(1.0, description="ρ, the kept fraction of pseudo-labelled data (0, 1]")

    @field_validator("ratio")
    @classmethod
    def _ratio(cls, ratio: float) -> float:
        if not 0 < ratio <= 1:
            raise ValueError(f"{num_text(ratio)} is not in (0, 1]")
        return ratio

    @model_validator(mode="after")
    def _ratio_is_read(self) -> SelectionConfig:
        """`all` keeps every sentence: a ρ below 1 there would be logged but never applied."""
        if self.strategy == "all" and self.ratio != 1.0:
            raise FieldError("ratio", f"{num_text(self.ratio)} is ignored by strategy 'all', which keeps "
                             "every sentence; use strategy: adversarial, or ratio: 1")
        return self


class TrainConfig(Section):
    epochs: int = Field(10, ge=1, description="epochs of every stage unless overridden")
    batch_size: int = Field(32, ge=1, description="sentences per batch")
    lr_ner: float = Field(6e-5, gt=0, description="NER loss (encoder + head)")
    lr_generator: float = Field(6e-7, gt=0, description="adversarial loss on the encoder")
    lr_discriminator: float = Field(5e-3, gt=0, description="discriminator losses")
    lr_distill: float = Field(6e-5, gt=0, description="student distillation")
    warmup: float = Field(0.05, ge=0, lt=1, description="linear warm-up fraction")
    weight_decay: float = Field(0.01, ge=0, description="AdamW weight decay")
    grad_clip: float | None = Field(1.0, gt=0, description="max grad norm; None: no clipping")
    selection_metric: Literal["target_dev", "source_dev"] = Field("target_dev", description="picks ckpt")
    distill_epochs: int | None = Field(None, ge=1, description="None: epochs")
    kd_loss: Literal["mse", "soft-ce"] = Field("mse", description="mse: Eq. 8 (papers); soft-ce: CE to q")
    teacher_epochs: int | None = Field(None, ge=1, description="None: epochs")
    adversarial_batches: Literal["balanced", "mixed"] = Field(
        "balanced", description="balanced: one source-side and one target-side batch per adversarial "
        "step (authors' code); mixed: one batch drawn from the union of the discriminator's data")
    adversarial_reduction: Literal["mean", "sum"] = Field(
        "mean", description="discriminator BCE: mean over tokens (authors' code) | sum over words per "
        "sentence (Eq. 5 as written)")
    no_decay_bias_norm: bool = Field(True, description="no weight decay on biases and LayerNorm "
                                     "weights (authors' code); False: decay everything")
    discriminator_weight_decay: float | None = Field(
        0.0, ge=0, description="AdamW decay of the discriminators (authors: 0); None: weight_decay")
    warmup_start: Literal["zero", "one-step"] = Field(
        "zero", description="zero: lr 0 at step 0 (HF schedule, authors); one-step: lr/warm at step 0")
    viterbi_inside_start: bool = Field(False, description="allow I-X at sentence start in Viterbi "
                                       "(authors' decoder); False: IOB2's constraint")
    epoch_eval: list[Literal["dev", "test", "source_dev"]] = Field(
        ["dev"], description="splits scored after every epoch: dev selects the checkpoint; add test "
        "and source_dev for their curves (each costs a forward pass over the split per epoch)")
    packing: bool = Field(False, description="pack a batch's sentences into rows without padding "
                          "(varlen attention via SDPA / FlashAttention); same maths, another dropout draw")
    compile: bool = Field(False, description="torch.compile the encoder (pays on GPUs; on 2 CPU cores "
                          "it measured no faster after a 60 s compile)")

    @model_validator(mode="after")
    def _selection_scored(self) -> TrainConfig:
        needed = "dev" if self.selection_metric == "target_dev" else "source_dev"
        if needed not in self.epoch_eval:
            raise FieldError("epoch_eval", f"{self.epoch_eval} lacks {needed!r}, which "
                             f"selection_metric={self.selection_metric!r} selects on")
        return self


class StageResources(Section):
    cpus: float = Field(1, gt=0, description="CPUs of one task; torch uses this many threads")
    gpus: float | None = Field(None, ge=0, description="GPUs of one task; None: 1 for training and "
                               "labelling stages where the cluster has GPUs, else 0")


class ExecutionConfig(Section):
    """Where the graph runs; none of it is in a node key (threads move CPU results in the last bits)."""

    executor: str = Field("local", description="a registered executor: local (here), ray (a task per node)")
    ray_address: str | None = Field(None, description="None: start a local Ray cluster (the whole "
                                    "machine); 'auto' or ray://host:10001: join one")
    max_retries: int = Field(2, ge=0, description="Ray: re-runs of a task whose worker died")
    threads: int | None = Field(None, ge=1, description="torch threads per process or task; None: every "
                                "core (local), the task's CPUs (ray); CPU bits follow the thread count")
    resources: dict[str, StageResources] = Field({}, description="per stage name, e.g. source: {gpus: 1}")


class TrackingConfig(Section):
    uri: str | None = Field(None, description="MLflow tracking URI; None: sqlite:///mlflow.db")
    experiment: str | None = Field(None, description="MLflow experiment; None: the config's name")
    log_models: Literal["none", "best", "all"] = Field(
        "none", description="log students as MLflow models in their seed runs: none, the best seed by "
        "DEV F1 per variant and language, or all (opt-in: an mBERT export is about 0.7 GB)")


class ExperimentConfig(Section):
    """One resolved experiment. Build it with `xner.core.config.loader.load_experiment`."""

    name: str = Field(description="experiment name; the MLflow experiment")
    method: str = Field(description="method component: mbert-ft | tladv | advpicker | transadv")
    description: str = Field("", description="free text for whoever reads the results")
    label: str | None = Field(None, description="table row name of the un-varied config; None: method")
    variant: str | None = Field(None, description="the applied variant (set by the loader)")
    seeds: list[int] = Field([1, 2, 3, 4, 5], description="one run per seed (papers: 5)")
    device: str = Field("auto", description="auto | cpu | cuda | cuda:N")
    precision: Literal["auto", "fp32", "bf16"] = Field("auto", description="auto: bf16 where supported")
    encoder: EncoderConfig = Field(default_factory=EncoderConfig)
    data: DataConfig
    translation: TranslationConfig = Field(default_factory=TranslationConfig)
    discriminators: dict[str, DiscriminatorConfig] = Field({}, description="by component name")
    teachers: dict[str, TeacherConfig] = Field({"source": TeacherConfig()}, description="by name")
    pseudo_label: PseudoLabelConfig = Field(default_factory=PseudoLabelConfig)
    selection: SelectionConfig = Field(default_factory=SelectionConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    store: str = Field(".xner/store", description="stage cache (and, in its .cache/, the parsed corpora); "
                       "relative: against the working directory; ~ is the home folder")
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)
    execution: ExecutionConfig = Field(default_factory=ExecutionConfig)
    search: SearchConfig = Field(default_factory=SearchConfig)
    variants: dict[str, dict[str, Any]] = Field({}, description="name -> {dotted.path: value}, or "
                                                "{extends: file} for a row from another experiment")
    colada: ColadaConfig = Field(default_factory=ColadaConfig)
    unitrans: UniTransConfig = Field(default_factory=UniTransConfig)
    published: PublishedConfig = Field({}, description="row name -> its published F1 per language")

    _base_dir: Path | None = PrivateAttr(None)

    @field_validator("store")
    @classmethod
    def _store(cls, store: str) -> str:
        if not store.strip():
            raise ValueError("'' is empty; give the folder that holds the stage cache")
        return str(Path(store).expanduser())

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, seeds: list[int]) -> list[int]:
        if not seeds:
            raise ValueError("[] is empty; give at least one seed")
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"{seeds} repeats a seed")
        if bad := [s for s in seeds if not 0 <= s < 2**32]:
            raise ValueError(f"{bad[0]} is not a valid seed; seeds are integers in [0, 2**32)")
        return seeds

    @field_validator("device")
    @classmethod
    def _device(cls, device: str) -> str:
        if not _DEVICE.fullmatch(device):
            raise ValueError(f"{device!r} is not auto, cpu, cuda or cuda:N")
        return device

    @field_validator("teachers")
    @classmethod
    def _weights(cls, teachers: dict[str, TeacherConfig]) -> dict[str, TeacherConfig]:
        if sum(t.weight for t in teachers.values()) <= 0:
            raise ValueError("weights sum to 0; at least one must be positive")
        return teachers

    @model_validator(mode="after")
    def _cross_fields(self, info: ValidationInfo) -> ExperimentConfig:
        base = (info.context or {}).get("base_dir")
        self._base_dir = Path(base) if base is not None else None
        return self

    @property
    def base_dir(self) -> Path:
        """Directory of the experiment file (the working directory when built in code)."""
        return self._base_dir if self._base_dir is not None else Path.cwd()

    def resolve_path(self, path: str | Path) -> Path:
        """A path written in the experiment, made absolute against the experiment file."""
        return Path(path) if Path(path).is_absolute() else (self.base_dir / path).resolve()

    def variant_names(self) -> list[str]:
        return list(self.variants)

    def dictionary_path(self, lang: str) -> Path:
        path = self.translation.dictionary.format(root=self.data.root, src=self.data.source_lang, lang=lang)
        return self.resolve_path(path)

    def precomputed_path(self, lang: str) -> Path | None:
        """`translation.file` for `lang` (strategy `precomputed`), or None when it is not set."""
        if self.translation.file is None:
            return None
        path = self.translation.file.format(root=self.data.root, src=self.data.source_lang, lang=lang)
        return self.resolve_path(path)

    def teacher_weights(self) -> dict[str, float]:
        """Positive weights normalised to sum 1 (Eq. 7 of TransAdv); zero-weight teachers dropped."""
        total = sum(t.weight for t in self.teachers.values())
        return {n: t.weight / total for n, t in self.teachers.items() if t.weight > 0}
