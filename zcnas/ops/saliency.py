"""saliency_stats: per-segment Σ|θg|, Σθg, Σ(θg)², Σg², Σθ², count in float64.

Contract and reference: :func:`zcnas.ops.reference.saliency_stats`. Reads 2·T input elements (the
memory floor: 8·T bytes in float32), writes 6·S float64.
"""
from __future__ import annotations

import torch

from zcnas.errors import UserError
from zcnas.ops import reference
from zcnas.ops._backend import cpp_module, kernel_module, resolve


def _flat_pair(theta: torch.Tensor, grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """theta, grad flattened, contiguous, in one dtype: float32 when both are float32 (or narrower
    floats), else float64."""
    narrow = (torch.float32, torch.float16, torch.bfloat16)
    dtype = torch.float32 if theta.dtype in narrow and grad.dtype in narrow else torch.float64
    return (theta.reshape(-1).to(dtype).contiguous(), grad.reshape(-1).to(dtype).contiguous())


def _check(theta: torch.Tensor, grad: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    if theta.numel() != grad.numel():
        raise UserError(f"theta and grad must have the same number of elements, got {theta.numel()} "
                        f"and {grad.numel()}")
    off = torch.as_tensor(offsets, dtype=torch.int64)
    if off.dim() != 1 or off.numel() < 1:
        raise UserError(f"offsets must be int64 [S + 1], got shape {list(off.shape)}")
    if int(off[0]) != 0 or int(off[-1]) != theta.numel() or bool((off.diff() < 0).any()):
        raise UserError(f"offsets must be non-decreasing from 0 to T = {theta.numel()}, "
                        f"got {off[0].item()} .. {off[-1].item()}")
    return off


def _cpp_saliency(theta: torch.Tensor, grad: torch.Tensor, offsets: torch.Tensor, isa: str = "auto") -> torch.Tensor:
    """The C++ kernel; isa "auto" | "avx512" | "baseline" (tests)."""
    t, g = _flat_pair(theta, grad)
    out = cpp_module().saliency_stats(t.numpy(), g.numpy(), offsets.contiguous().numpy(), isa)
    return torch.from_numpy(out)


def saliency_stats(theta: torch.Tensor, grad: torch.Tensor, offsets: torch.Tensor,
                   backend: str = "auto") -> torch.Tensor:
    """Per-segment saliency sums, float64 [S, 6] with columns STAT_COLUMNS.

    theta, grad: float tensors of T elements (flattened; float32 or float64, others are converted).
    offsets: int64 [S + 1], non-decreasing from 0 to T; segment i is [offsets[i], offsets[i+1]) and
    may be empty (its row is zeros).
    """
    theta, grad = theta.detach(), grad.detach()
    off = _check(theta, grad, offsets)
    chosen = resolve("saliency_stats", backend, theta, grad)
    if chosen == "torch":
        return reference.saliency_stats(theta, grad, off)
    if chosen == "cpp":
        return _cpp_saliency(theta, grad, off.cpu())
    t, g = _flat_pair(theta, grad)
    return kernel_module("saliency").saliency_stats(t, g, off.to(t.device))
