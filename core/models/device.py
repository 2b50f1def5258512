"""Where a model runs and how reproducibly: device choice, bf16 autocast, TF32, seeds, GPU spreading.

Every CUDA branch is real code guarded by `torch.cuda.is_available()`, so the same training loop runs
unchanged on a laptop CPU and on a GPU box; asking for CUDA where there is none is a `ConfigError`
instead of a crash deep inside the first `.to(device)`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random

import numpy as np
import torch

from ..errors import ConfigError

log = logging.getLogger(__name__)

PRECISIONS = ("auto", "bf16", "fp32")


def resolve_device(spec: str = "auto") -> torch.device:
    """`auto` -> `cuda` when a GPU is visible else `cpu`; `cpu`, `cuda` and `cuda:N` are checked."""
    spec = spec.strip().lower()
    if spec == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        log.debug("device auto -> %s", device)
        return device
    if spec == "cpu":
        return torch.device("cpu")
    if spec == "cuda" or spec.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ConfigError(
                f"device: {spec!r} requested but CUDA is not available "
                f"(torch {torch.__version__}, built for CUDA {torch.version.cuda}); "
                "use device: auto or cpu"
            )
        device = torch.device(spec)
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise ConfigError(f"device: {spec!r} requested but only {count} GPU(s) are visible")
        return device
    raise ConfigError(f"device: unknown device {spec!r}; use auto, cpu, cuda or cuda:N")


def bf16_supported(device: torch.device) -> bool:
    """True only on a CUDA device whose hardware runs bf16 natively (Ampere and later)."""
    return device.type == "cuda" and torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def autocast_context(
    device: torch.device, precision: str = "auto"
) -> contextlib.AbstractContextManager[None]:
    """bf16 autocast on a capable GPU for `auto`/`bf16`; a no-op elsewhere.

    bf16 keeps fp32's exponent range, so unlike fp16 it needs no loss scaler. On the CPU the
    context is a `nullcontext`: CPU bf16 autocast is slower than fp32 on most machines.
    """
    if precision not in PRECISIONS:
        raise ConfigError(f"train.precision: unknown {precision!r}; use one of {list(PRECISIONS)}")
    if precision == "fp32" or device.type != "cuda":
        if precision == "bf16":
            log.warning("precision bf16 requested on %s: running fp32", device)
        return contextlib.nullcontext()
    if bf16_supported(device):
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    if precision == "bf16":
        raise ConfigError(
            f"train.precision: bf16 requested but {torch.cuda.get_device_name(device)} "
            "does not support it; use precision: auto or fp32"
        )
    return contextlib.nullcontext()


def enable_tf32() -> bool:
    """Let fp32 matmuls/convolutions use TF32 tensor cores on CUDA; returns whether it applied.

    TF32 keeps fp32 storage and range with a 10-bit mantissa in the multiply, which is well inside
    the noise of NER fine-tuning and several times faster on Ampere+ GPUs.
    """
    if not torch.cuda.is_available():
        return False
    torch.set_float32_matmul_precision("high")
    torch.backends.cudnn.allow_tf32 = True
    log.info("TF32 matmul enabled on %s", torch.cuda.get_device_name())
    return True


def seed_everything(seed: int, deterministic: bool = False) -> None:
    """Seed python, numpy and torch (every GPU); optionally force deterministic kernels.

    `deterministic=True` makes repeated runs bit-identical on the same hardware at a speed cost,
    and errors out on ops that have no deterministic implementation instead of silently varying.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    if deterministic:
        # cuBLAS needs a fixed workspace to be reproducible; it must be set before the first call.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = deterministic
    torch.use_deterministic_algorithms(deterministic)


def gpu_for_worker(index: int) -> torch.device:
    """Round-robin worker `index` (a seed, a trial) over the visible GPUs; `cpu` when there is none."""
    if index < 0:
        raise ConfigError(f"worker index must be >= 0, got {index}")
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        return torch.device("cpu")
    return torch.device("cuda", index % count)

