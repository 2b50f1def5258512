"""Checkpoints as safetensors holding only what training can change.

Why: a TransAdv seed on mBERT trains Θsrc, three teachers and a student; as full `torch.save`
pickles that is five 0.7 GB files, of which the frozen embeddings + bottom layers (about 0.45 GB) are
byte-for-byte the encoder node's pretrained weights. A checkpoint here stores the trainable tensors and
the buffers; loading rebuilds the model from the encoder directory (which supplies the frozen part)
and then refuses any key that is neither in the file nor frozen. safetensors also loads without
unpickling, so a store shared between users cannot run code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

MODEL = "model.safetensors"
DISCRIMINATORS = "discriminators.safetensors"


def frozen_names(model: nn.Module) -> set[str]:
    """State-dict keys of parameters that never train (requires_grad False)."""
    return {name for name, p in model.named_parameters() if not p.requires_grad}


def trainable_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """A CPU copy of the state dict without the frozen parameters: what a checkpoint must hold."""
    frozen = frozen_names(model)
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items() if k not in frozen}


def save_model(state: Mapping[str, torch.Tensor], path: Path, omitted: int = 0) -> Path:
    """Write `state` (already trainable-only) as safetensors; `omitted` frozen tensors are recorded."""
    tensors = {k: v.contiguous() for k, v in state.items()}
    save_file(tensors, str(path), metadata={"xner.frozen_omitted": str(omitted)})
    return path


def load_model_state(model: nn.Module, path: Path, device: torch.device) -> None:
    """Load a trainable-only checkpoint into `model`, whose frozen weights came from the encoder.

    A key the file lacks must be a frozen parameter of `model`; a key `model` lacks is an error, so a
    checkpoint from another architecture or freeze setting never loads half-way.
    """
    state = load_file(str(path), device=str(device))
    result = model.load_state_dict(state, strict=False)
    missing = set(result.missing_keys) - frozen_names(model)
    if missing or result.unexpected_keys:
        raise ValueError(
            f"{path}: checkpoint does not fit the model: missing trainable keys "
            f"{sorted(missing)[:5]} ({len(missing)}), unexpected keys "
            f"{sorted(result.unexpected_keys)[:5]} ({len(result.unexpected_keys)}); was it written "
            "with other encoder.frozen_layers / freeze_embeddings / num_layers?")


def save_discriminators(states: Mapping[str, Mapping[str, torch.Tensor]], path: Path) -> Path:
    """Every discriminator in one file, keys `name.param`; the names go in the metadata."""
    flat = {f"{name}.{k}": v.contiguous() for name, sd in states.items() for k, v in sd.items()}
    save_file(flat, str(path), metadata={"xner.discriminators": json.dumps(sorted(states))})
    return path


def load_discriminators(path: Path) -> dict[str, dict[str, torch.Tensor]]:
    """{name: state_dict} from `save_discriminators`' file (empty when the model had none)."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        names = json.loads((f.metadata() or {}).get("xner.discriminators", "[]"))
    flat = load_file(str(path))
    out: dict[str, dict[str, torch.Tensor]] = {n: {} for n in names}
    for key, value in flat.items():
        name, _, param = key.partition(".")
        out[name][param] = value
    return out
