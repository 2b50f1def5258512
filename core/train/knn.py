"""CoLaDa's instance collaboration (Ma et al., ACL 2023, §3.3; `ts_trainer.load_knn` in the authors'
code): a word's pseudo label is trusted as much as the labels of its nearest neighbours in the
model's representation space agree with it.

For word i with label y_i and its k nearest neighbours N(i) (cosine similarity):
  c_i = |{j in N(i): type(y_j) = type(y_i)}|      (B-X and I-X count as one type; O matches only O)
  r_i = c_i / max_{j: y_j = y_i} c_j              (0 where that maximum is 0)
  w_i = σ(a (r_i - m ᾱ_{y_i})) / max_{j: y_j = y_i} σ(a (r_j - m ᾱ_{y_i})),  ᾱ_y = mean_{y_j = y} r_j
with a = 6 and m = 1 in the authors' scripts. As in their code, vectors identical to the query
(cosine 1: the word itself and exact duplicates) are never neighbours, and the `skip` nearest
remaining ones are passed over too (their `[:, 1:]` after the duplicates are already gone).

The search is an exact top-k over chunks of queries, so memory stays at `chunk x N` similarities;
faiss (the authors' choice) would add a heavy dependency for the same exact search.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import torch

from ..errors import ConfigError, XnerError

log = logging.getLogger(__name__)
SAME = 1e-6  # cosine this close to 1 is the same vector (the authors use 1e-7 in float32)


def type_ids(tags: Sequence[str]) -> torch.Tensor:
    """Per tag id, its entity type's id: B-X and I-X share one, O has its own."""
    names = {"O" if t == "O" else t.split("-", 1)[1] for t in tags}
    index = {n: i for i, n in enumerate(sorted(names))}
    return torch.tensor([index["O" if t == "O" else t.split("-", 1)[1]] for t in tags])


def neighbours(vectors: torch.Tensor, k: int, skip: int = 1, chunk: int | None = None) -> torch.Tensor:
    """Indices [N, k] of each vector's nearest neighbours by cosine, identical vectors left out and
    the `skip` nearest after them passed over."""
    n = vectors.shape[0]
    if k < 1:
        raise ConfigError(f"knn.k: {k}; at least one neighbour is needed")
    unit = torch.nn.functional.normalize(vectors.float(), dim=-1)
    chunk = chunk or max(1, (1 << 25) // max(n, 1))  # ~128 MB of float32 similarities per chunk
    out = []
    for start in range(0, n, chunk):
        sims = unit[start:start + chunk] @ unit.T  # [c, N]
        same = sims >= 1 - SAME
        sims = sims.masked_fill(same, float("-inf"))
        available = int((~same).sum(dim=1).min())
        if available < k + skip:
            raise ConfigError(
                f"knn.k: {k} neighbours (+{skip} skipped) wanted, but a word has only {available} "
                f"distinct others among the corpus's {n} words; lower knn.k")
        out.append(sims.topk(k + skip, dim=1).indices[:, skip:])
    return torch.cat(out) if out else torch.zeros((0, k), dtype=torch.long)


def consistency_weights(vectors: torch.Tensor, labels: torch.Tensor, tags: Sequence[str], k: int,
                        alpha: float = 6.0, mu: float = 1.0, skip: int = 1,
                        chunk: int | None = None) -> torch.Tensor:
    """w_i in [0, 1] per word (module docstring) from its vector [N, H] and label id [N]."""
    if vectors.shape[0] != labels.shape[0]:
        raise XnerError(f"{vectors.shape[0]} word vectors for {labels.shape[0]} labels")
    if vectors.shape[0] == 0:
        raise XnerError("no words to weight: the corpus is empty")
    types = type_ids(tags)[labels]  # [N]
    idx = neighbours(vectors, k, skip, chunk)  # [N, k]
    counts = (types[idx] == types[:, None]).sum(dim=1).double()  # c_i
    weights = torch.zeros(labels.shape[0], dtype=torch.float64)
    missing = []
    for label in range(len(tags)):
        at = labels == label
        if not at.any():  # a class the labels never use has nothing to weight
            missing.append(tags[label])
            continue
        top = counts[at].max()
        ratio = counts[at] / top if top > 0 else torch.zeros_like(counts[at])
        s = torch.sigmoid(alpha * (ratio - mu * ratio.mean()))
        weights[at] = s / s.max()
    if missing:
        log.info("knn: no word labelled %s, nothing to weight there", ", ".join(missing))
    return weights.float()


def auc(scores: np.ndarray, positive: np.ndarray) -> float | None:
    """Area under the ROC curve of `scores` at telling `positive` items apart (ties count half):
    how well the kNN weights separate right pseudo labels from wrong ones. None without both kinds."""
    s, y = np.asarray(scores, dtype=np.float64), np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    from scipy.stats import rankdata  # scipy.stats costs a second at import; only the diagnostics need it

    ranks = rankdata(s)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
