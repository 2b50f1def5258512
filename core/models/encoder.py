"""The shared encoder: load any HF `AutoModel`, freeze its bottom, run it, put a NER head on top.

Both papers fine-tune mBERT with the embeddings and the bottom three layers frozen (TransAdv §4.2,
AdvPicker §3.1); everything here is written against the generic `AutoModel` surface so any
BERT-like encoder (mBERT, XLM-R, DistilBERT, a local trimmed model, the tiny test encoder) fits.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from packaging.version import Version
from torch import nn

from ..errors import ConfigError
from .packing import check_packing, packed_forward

if TYPE_CHECKING:  # transformers' model classes cost seconds to import: only where a model is loaded
    from transformers import PreTrainedModel, PreTrainedTokenizerFast

log = logging.getLogger(__name__)

# Config keys that hold the encoder's own dropout, across BERT/XLM-R/DeBERTa and DistilBERT/ModernBERT.
_DROPOUT_KEYS = (
    "hidden_dropout_prob",
    "attention_probs_dropout_prob",
    "dropout",
    "attention_dropout",
    "embedding_dropout",
    "mlp_dropout",
)
# Where the stack of transformer blocks lives, relative to the base model.
_LAYER_PATHS = ("encoder.layer", "transformer.layer", "encoder.layers", "layers")


def _dtype_kwarg() -> str:
    """`dtype=` replaced `torch_dtype=` in transformers 4.56; keep both working."""
    import transformers

    return "dtype" if Version(transformers.__version__) >= Version("4.56") else "torch_dtype"


@dataclass
class EncoderBundle:
    """A loaded encoder with its (fast) tokenizer: what every stage needs to embed sentences."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerFast  # fast: subword alignment needs `word_ids()`
    hidden_size: int
    name_or_path: str
    frozen: tuple[str, ...] = ()


def _looks_like_path(name: str) -> bool:
    """A hub id is `name` or `namespace/name`; anything else was meant as a filesystem path."""
    return name.startswith(("/", ".", "~")) or name.count("/") > 1 or "\\" in name


def load_hf_encoder(
    name_or_path: str,
    dropout: float = 0.1,
    dtype: torch.dtype = torch.float32,
    local_files_only: bool | None = None,
) -> EncoderBundle:
    """Load model + fast tokenizer from a local directory or a hub name, with `dropout` applied.

    `local_files_only=None` leaves the decision to transformers (honouring HF_HUB_OFFLINE); pass
    True to fail fast instead of retrying an unreachable hub.
    """
    from transformers import AutoConfig, AutoModel, AutoTokenizer, PreTrainedTokenizerFast

    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"encoder.dropout: must be in [0, 1), got {dropout}")
    local = Path(name_or_path).expanduser()
    is_local = local.is_dir()
    if not is_local and _looks_like_path(name_or_path):
        raise ConfigError(f"could not load encoder {name_or_path!r}: no such directory")
    source = str(local) if is_local else name_or_path
    hub_kwargs: dict[str, Any] = {}
    if local_files_only is not None:
        hub_kwargs["local_files_only"] = local_files_only
    try:
        config = AutoConfig.from_pretrained(source, **hub_kwargs)
        for key in _DROPOUT_KEYS:
            if hasattr(config, key):
                setattr(config, key, dropout)
        tokenizer = AutoTokenizer.from_pretrained(source, **hub_kwargs)
        model = AutoModel.from_pretrained(
            source, config=config, **{_dtype_kwarg(): dtype}, **hub_kwargs
        )
    except (OSError, ValueError) as exc:
        if is_local:
            raise ConfigError(
                f"could not load encoder {name_or_path!r} from its local directory: {exc}"
            ) from exc
        if not isinstance(exc, OSError):
            raise
        raise ConfigError(
            f"could not load encoder {name_or_path!r}: not a local directory and the Hugging Face "
            f"hub is not reachable (set HF_HUB_OFFLINE / give a local path): {exc}"
        ) from exc
    if not isinstance(tokenizer, PreTrainedTokenizerFast):
        raise ConfigError(
            f"encoder {name_or_path!r} has no fast tokenizer (got {type(tokenizer).__name__}); "
            "label alignment needs word_ids() from a `tokenizers`-backed tokenizer"
        )
    log.debug("loaded encoder %s (%s, %s)", name_or_path, type(model).__name__, dtype)
    return EncoderBundle(model, tokenizer, int(config.hidden_size), name_or_path)


def save_encoder(bundle: EncoderBundle, directory: str | Path) -> Path:
    """Write model + tokenizer with `save_pretrained`, atomically: a crash never leaves half a dir."""
    final = Path(directory)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    bundle.model.save_pretrained(tmp)
    bundle.tokenizer.save_pretrained(tmp)
    return replace_dir(tmp, final)


def replace_dir(tmp: Path, final: Path) -> Path:
    """Move a fully written directory `tmp` to `final`, setting aside and then removing an old one,
    so that `final` is never half-written."""
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old)
    else:
        os.replace(tmp, final)
    return final


def find_layers(model: nn.Module) -> nn.ModuleList:
    """The ordered transformer blocks of a BERT-like model (BERT/XLM-R, DistilBERT, ...)."""
    base = getattr(model, "base_model", model)
    for path in _LAYER_PATHS:
        try:
            layers = base.get_submodule(path)
        except AttributeError:
            continue
        if isinstance(layers, nn.ModuleList):
            return layers
    lists = [name for name, m in base.named_modules() if isinstance(m, nn.ModuleList)]
    children = [f"{name} ({type(m).__name__})" for name, m in base.named_children()]
    raise ConfigError(
        f"cannot find the transformer layers of {type(base).__name__}: looked for "
        f"{', '.join(_LAYER_PATHS)}; its children are {', '.join(children) or '(none)'} and its "
        f"ModuleLists are {', '.join(lists[:8]) or '(none)'}"
    )


def find_embeddings(model: nn.Module) -> nn.Module:
    """The input embedding block (word + position + type embeddings and their LayerNorm)."""
    base = getattr(model, "base_model", model)
    embeddings = getattr(base, "embeddings", None)
    if not isinstance(embeddings, nn.Module):
        children = ", ".join(name for name, _ in base.named_children())
        raise ConfigError(
            f"cannot find the embeddings of {type(base).__name__}: no `embeddings` module "
            f"(children: {children or '(none)'})"
        )
    return embeddings


def keep_bottom_layers(model: nn.Module, num_layers: int | None) -> None:
    """Drop every transformer block above the bottom `num_layers` (None: keep all).

    The kept blocks keep their pretrained weights, so this is a smaller *real* encoder: the CPU
    proxies use it to afford full dev/test sets and several seeds.
    """
    if num_layers is None:
        return
    layers = find_layers(model)
    if not 1 <= num_layers <= len(layers):
        raise ConfigError(f"encoder.num_layers: must be between 1 and {len(layers)} (the layers of "
                          f"{type(model).__name__}), got {num_layers}")
    del layers[num_layers:]
    config = getattr(model, "config", None)
    for key in ("num_hidden_layers", "n_layers", "num_layers"):
        if config is not None and hasattr(config, key):
            setattr(config, key, num_layers)


def freeze(model: nn.Module, freeze_embeddings: bool = True, frozen_layers: int = 3) -> list[str]:
    """Set requires_grad=False on the embeddings and the bottom `frozen_layers` blocks.

    Returns the frozen parameter names (as `model.named_parameters()` spells them). Nothing is
    unfrozen: the call only adds to whatever was frozen before.
    """
    layers = find_layers(model)
    if not 0 <= frozen_layers <= len(layers):
        raise ConfigError(
            f"encoder.frozen_layers: must be between 0 and {len(layers)} (the number of layers "
            f"of {type(model).__name__}), got {frozen_layers}"
        )
    modules: list[nn.Module] = [find_embeddings(model)] if freeze_embeddings else []
    modules.extend(layers[:frozen_layers])
    targets = {id(p) for module in modules for p in module.parameters()}
    frozen = []
    for name, param in model.named_parameters():
        if id(param) in targets:
            param.requires_grad_(False)
            frozen.append(name)
    log.debug(
        "froze %d parameter tensors (embeddings=%s, bottom %d of %d layers)",
        len(frozen), freeze_embeddings, frozen_layers, len(layers),
    )
    return frozen


class TokenEncoder(nn.Module):
    """Contextual token features [B, S, H] from a HF encoder.

    The frozen bottom (embeddings + leading frozen layers) needs no `torch.no_grad()`: autograd
    records an operation only when one of its inputs requires grad, and below the first trainable
    parameter nothing does (the inputs are integer ids), so the frozen prefix already saves no
    activations and builds no graph. `tests/models/test_encoders.py` checks that no tensor is saved for
    backward inside the prefix, and `benchmarks/bench_frozen.py` measures the explicit no_grad
    switch this class used to carry at no gain in time or memory.
    """

    def __init__(self, model: PreTrainedModel, pack: bool = False, pack_capacity: int = 0) -> None:
        super().__init__()
        self.model = model
        self.pack = pack  # padding-free passes (`core.models.packing`): same maths, fewer pad tokens
        self.pack_capacity = pack_capacity  # tokens per packed row; 0: the batch's padded length
        if pack:
            check_packing(model)

    @property
    def hidden_size(self) -> int:
        return int(self.model.config.hidden_size)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        # input_ids, attention_mask: [B, S] -> last hidden states [B, S, H]
        if self.pack:
            return packed_forward(self.model, input_ids, attention_mask, self.pack_capacity)
        return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


class NerHead(nn.Module):
    """Token classifier: dropout + Linear(H, L) on encoder states (TransAdv Eq. 2, AdvPicker Eq. 2)."""

    def __init__(self, hidden_size: int, num_labels: int, dropout: float = 0.1) -> None:
        super().__init__()
        if num_labels < 1:
            raise ConfigError(f"NER head needs at least one label, got num_labels={num_labels}")
        if not 0.0 <= dropout < 1.0:
            raise ConfigError(f"head dropout must be in [0, 1), got {dropout}")
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden_size, num_labels)
        # BERT's initializer_range, as BertForTokenClassification (the papers' model) uses.
        nn.init.normal_(self.classifier.weight, std=0.02)
        nn.init.zeros_(self.classifier.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(hidden))  # [B, S, H] -> logits [B, S, L]
