"""logdet_psd: log-determinant of PSD kernels with rank-based singularity (torch backend only)."""
from __future__ import annotations

import torch

from zcnas.ops import reference
from zcnas.ops._backend import resolve


def logdet_psd(k: torch.Tensor, rel_eps: float = 1e-9, backend: str = "auto") -> tuple[torch.Tensor, torch.Tensor]:
    """(logdet float64 [...], singular bool [...]) of k [..., N, N]; see reference.logdet_psd.

    Only the torch backend exists (eigvalsh + slogdet run in LAPACK / cuSOLVER already): "auto" and
    "torch" run it, "cpp" and "triton" raise RuntimeError.
    """
    if backend in ("cpp", "triton"):
        resolve("logdet_psd", backend, k)  # a missing backend raises with its own reason first
        raise RuntimeError(f"logdet_psd has no {backend} backend; use backend='torch' or 'auto'")
    resolve("logdet_psd", "torch" if backend == "auto" else backend, k)  # validates the name
    return reference.logdet_psd(k, rel_eps)
