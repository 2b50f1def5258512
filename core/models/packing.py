"""Padding-free encoder passes: the sentences of a batch packed end to end into a few long rows.

Bucketing pads each batch to its own longest row; packing removes the rest of the padding. The rows
of a [B, S] batch are laid first-fit-decreasing into R rows of C >= S tokens, each sentence keeping
its own position ids (0, 1, ...). Transformers reads the position-id resets as sequence boundaries:
SDPA gets a block-diagonal mask, FlashAttention-2/3 its varlen kernel (`cu_seqlens`), so no token
attends across sentences and every token sees exactly what it sees unpacked. The output is scattered
back to [B, S, H], so heads, losses and discriminators never know. Same maths, different float
summation order and a different dropout draw: `train.packing` is in the node key.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..errors import ConfigError

# Families whose position ids start after the padding index (RoBERTa's `create_position_ids...`).
_OFFSET_FAMILIES = ("roberta", "xlm-roberta", "xlm-roberta-xl", "camembert", "bertweet")


@dataclass(frozen=True)
class Packed:
    input_ids: torch.Tensor  # [R, C]
    position_ids: torch.Tensor  # [R, C]; restarts at every sentence, and once more for the pad tail
    index: torch.Tensor  # [B*S]: flat position in [R*C] of each token of the batch (pad: -1)


def first_fit_decreasing(lengths: list[int], capacity: int) -> list[list[int]]:
    """Bins of row indices whose lengths sum to <= capacity (a row longer than capacity: own bin)."""
    bins: list[list[int]] = []
    room: list[int] = []
    for i in sorted(range(len(lengths)), key=lambda j: -lengths[j]):
        for b, free in enumerate(room):
            if lengths[i] <= free:
                bins[b].append(i)
                room[b] -= lengths[i]
                break
        else:
            bins.append([i])
            room.append(capacity - lengths[i])
    return bins


def pack(input_ids: torch.Tensor, attention_mask: torch.Tensor, capacity: int, pad_id: int = 0,
         offset: int = 0) -> Packed:
    """Pack a right-padded batch. `offset` is the first position id of the model's family."""
    lengths = attention_mask.sum(1)
    b, s = attention_mask.shape
    prefix = torch.arange(s, device=attention_mask.device)[None, :] < lengths[:, None]
    if not torch.equal(prefix, attention_mask.bool()):
        raise ValueError("packing needs right-padded rows (attention_mask 1…1 0…0)")
    lens = lengths.tolist()
    capacity = max(capacity, s)
    bins = first_fit_decreasing(lens, capacity)
    ids = torch.full((len(bins), capacity), pad_id, dtype=input_ids.dtype)
    pos = torch.empty((len(bins), capacity), dtype=torch.long)
    index = torch.full((b * s,), -1, dtype=torch.long)
    for r, rows in enumerate(bins):
        start = 0
        for i in rows:
            n = lens[i]
            ids[r, start:start + n] = input_ids[i, :n]
            pos[r, start:start + n] = torch.arange(n)
            index[i * s:i * s + n] = torch.arange(r * capacity + start, r * capacity + start + n)
            start += n
        pos[r, start:] = torch.arange(capacity - start)  # the tail: a segment of its own
    dev = input_ids.device
    return Packed(ids.to(dev), (pos + offset).to(dev), index.to(dev))


def unpack(hidden: torch.Tensor, packed: Packed, shape: tuple[int, int]) -> torch.Tensor:
    """[R, C, H] -> [B, S, H], zeros where the batch had padding."""
    flat = hidden.reshape(-1, hidden.shape[-1])
    keep = packed.index >= 0
    out = flat.new_zeros(keep.numel(), flat.shape[-1])
    out = out.index_copy(0, keep.nonzero().squeeze(1), flat.index_select(0, packed.index[keep]))
    return out.view(*shape, -1)


def position_offset(model: nn.Module) -> int:
    config = model.config
    if getattr(config, "model_type", "") in _OFFSET_FAMILIES:
        return int(config.pad_token_id) + 1
    return 0


def packed_forward(model: nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                   capacity: int = 0) -> torch.Tensor:
    """Last hidden states [B, S, H] of a padded batch, computed packed into rows of
    max(capacity, S) tokens (bucketed batches: S already fits most rows; longer rows add attention)."""
    pad_id = int(getattr(model.config, "pad_token_id", 0) or 0)
    p = pack(input_ids, attention_mask, capacity, pad_id, position_offset(model))
    out = model(input_ids=p.input_ids, position_ids=p.position_ids).last_hidden_state
    return unpack(out, p, tuple(attention_mask.shape))


def check_packing(model: nn.Module, atol: float = 1e-4) -> None:
    """Refuse an encoder whose packed pass differs from its padded one (older transformers, models
    that ignore position ids or use relative positions across the row)."""
    device = next(model.parameters()).device
    gen = torch.Generator().manual_seed(0)
    vocab = int(model.config.vocab_size)
    ids = torch.randint(5, min(vocab, 1000), (3, 6), generator=gen)
    mask = torch.tensor([[1] * 6, [1] * 4 + [0] * 2, [1] * 2 + [0] * 4])
    ids, mask = (ids * mask).to(device), mask.to(device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            plain = model(input_ids=ids, attention_mask=mask).last_hidden_state
            packed = packed_forward(model, ids, mask, capacity=12)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ConfigError(f"train.packing: {type(model).__name__} cannot run packed sequences ({exc}); "
                          "set train.packing: false") from exc
    finally:
        model.train(was_training)
    m = mask.bool()
    gap = float((plain[m] - packed[m]).abs().max())
    if gap > atol:
        raise ConfigError(f"train.packing: {type(model).__name__} attends across packed sentences here "
                          f"(max |Δh| {gap:.2e} against the padded pass; its attention ignores "
                          "position-id resets in this transformers version); set train.packing: false")
