"""Public ops with backend selection: "auto" | "cpp" | "triton" | "torch".

``auto`` runs triton on CUDA tensors, the C++ extension on CPU tensors, the torch reference otherwise
(logged once). Shapes and semantics: zcnas/ops/reference.py (the contract).

- ``saliency_stats(theta, grad, offsets)`` -> float64 [S, 6] (columns ``STAT_COLUMNS``)
- ``pack_signs(x)`` -> int64 [N, ceil(U / 64)]
- ``hamming_gram(codes, units, segments=None)`` -> int64 [A, N, N] or [A, S, N, N]
- ``logdet_psd(k)`` -> (float64 [...], bool [...])
"""
from zcnas.ops.hamming import hamming_gram
from zcnas.ops.logdet import logdet_psd
from zcnas.ops.pack import pack_signs
from zcnas.ops.reference import STAT_COLUMNS
from zcnas.ops.saliency import saliency_stats

__all__ = ["STAT_COLUMNS", "saliency_stats", "pack_signs", "hamming_gram", "logdet_psd"]
