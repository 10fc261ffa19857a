"""hamming_gram: K = units − Hamming distance between packed sign codes (the NWOT kernel).

Contract and reference: :func:`zcnas.ops.reference.hamming_gram`. Work: A·N(N+1)/2·W xor+popcounts
(the cpp backend computes i <= j and mirrors), reads A·N·W·8 bytes, writes A·S·N²·8.
"""
from __future__ import annotations

import torch

from zcnas.errors import UserError
from zcnas.ops import reference
from zcnas.ops._backend import cpp_module, kernel_module, resolve


def _normalise(codes: torch.Tensor, units, segments) -> tuple[torch.Tensor, torch.Tensor]:
    """(units int64 [A, S], segments int64 [S + 1]) on codes' device; UserError on bad shapes."""
    if codes.dim() != 3 or codes.dtype != torch.int64:
        raise UserError(f"codes must be int64 [A, N, W], got {codes.dtype} {list(codes.shape)}")
    a, _, w = codes.shape
    units_t = torch.as_tensor(units, dtype=torch.int64).to(codes.device).reshape(-1)
    if segments is None:
        if units_t.numel() not in (1, a):
            raise UserError(f"units must be an int or int64 [A = {a}] without segments, got {units_t.numel()} values")
        seg = torch.tensor([0, w], dtype=torch.int64, device=codes.device)
        units2 = units_t.expand(a).reshape(a, 1)
    else:
        seg = torch.as_tensor(segments, dtype=torch.int64).to(codes.device).reshape(-1)
        s = seg.numel() - 1
        if s < 0 or units_t.numel() != s:
            raise UserError(f"with segments [S + 1 = {seg.numel()}], units must be int64 [S = {s}], "
                            f"got {units_t.numel()} values")
        if s > 0 and (seg[0] < 0 or seg[-1] > w or bool((seg.diff() < 0).any())):
            raise UserError(f"segments must be non-decreasing word offsets in [0, W = {w}], got {seg.tolist()}")
        units2 = units_t.reshape(1, s).expand(a, s)
    return units2.contiguous(), seg.contiguous()


def _cpp_hamming(codes: torch.Tensor, units2: torch.Tensor, seg: torch.Tensor, isa: str = "auto") -> torch.Tensor:
    """The C++ kernel on normalised inputs; isa "auto" | "avx512" | "popcnt" | "baseline" (tests)."""
    out = cpp_module().hamming_gram(codes.contiguous().numpy(), units2.numpy(), seg.numpy(), isa)
    return torch.from_numpy(out)


def hamming_gram(codes: torch.Tensor, units, segments: torch.Tensor | None = None,
                 backend: str = "auto") -> torch.Tensor:
    """K[a] = units − Hamming(codes[a, i], codes[a, j]) for every pair of samples i, j.

    codes: int64 [A, N, W] packed signs (see :func:`zcnas.ops.pack_signs`).
    segments None: units is an int or int64 [A]; returns int64 [A, N, N] (nwot over all words).
    segments int64 [S + 1] word offsets: units is int64 [S] (each segment's real unit count); returns
    int64 [A, S, N, N] (one K per layer).
    """
    codes = codes.detach()
    units2, seg = _normalise(codes, units, segments)
    chosen = resolve("hamming_gram", backend, codes)
    if chosen == "torch":
        return reference.hamming_gram(codes, units, None if segments is None else seg)
    if chosen == "cpp":
        k = _cpp_hamming(codes, units2, seg)
    else:
        k = kernel_module("hamming").hamming_gram(codes.contiguous(), units2, seg)
    return k[:, 0] if segments is None else k
