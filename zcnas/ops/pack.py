"""pack_signs: bit-pack 1[x > 0] per sample in logical C order (LSB first, padding bits 0).

Contract and reference: :func:`zcnas.ops.reference.pack_signs`. Reads N·U input elements, writes
N·ceil(U/64) int64 words. The cpp and triton backends read NCHW-contiguous and channels_last
(NHWC memory) activations in place; other layouts are copied with ``.contiguous()`` first.
"""
from __future__ import annotations

import math

import torch

from zcnas.ops import reference
from zcnas.ops._backend import cpp_module, kernel_module, resolve


def _packed(shape, strides) -> bool:
    """True when a tensor with these sizes/strides is laid out C-contiguously (size-1 dims ignored)."""
    expect = 1
    for size, stride in zip(reversed(shape), reversed(strides)):
        if size != 1 and stride != expect:
            return False
        expect *= size
    return True


def _as_float(x: torch.Tensor) -> torch.Tensor:
    # float32/float64 go through as they are; anything else (float16, bfloat16, ints, bool) is
    # converted to float32/float64, which keeps the sign of every value.
    if x.dtype in (torch.float32, torch.float64):
        return x
    return x.to(torch.float64 if x.dtype in (torch.int64, torch.int32) else torch.float32)


def _cpp_pack(x: torch.Tensor, isa: str = "auto") -> torch.Tensor:
    """The C++ kernel: rows layout, channels_last layout, or a contiguous copy; isa for tests."""
    cpp = cpp_module()
    n = x.shape[0]
    units = math.prod(x.shape[1:])
    if _packed(x.shape[1:], x.stride()[1:]):  # NCHW-contiguous (any sample stride)
        view = x.as_strided((n, units), (x.stride(0), 1))
        return torch.from_numpy(cpp.pack_signs_rows(view.numpy(), isa))
    if x.dim() >= 3:
        last = x.movedim(1, -1)  # [N, *spatial, C]: channels_last memory is C-contiguous here
        if _packed(last.shape[1:], last.stride()[1:]):
            c = x.shape[1]
            view = last.as_strided((n, units // c, c), (last.stride(0), c, 1))
            return torch.from_numpy(cpp.pack_signs_channels_last(view.numpy(), isa))
    return torch.from_numpy(cpp.pack_signs_rows(x.contiguous().view(n, units).numpy(), isa))


def _triton_pack(x: torch.Tensor) -> torch.Tensor:
    """Triton kernel on an [N, C, P] view with free strides (NCHW and channels_last in place)."""
    n = x.shape[0]
    view = None
    if x.dim() == 2:
        view = x.unsqueeze(2)  # [N, U, 1]
    elif x.dim() >= 3:
        try:
            view = x.view(n, x.shape[1], -1)
        except RuntimeError:
            view = None
    if view is None:
        view = x.contiguous().view(n, -1, 1)
    return kernel_module("pack").pack_signs(view)


ORDERS = ("logical", "memory")


def pack_signs(x: torch.Tensor, backend: str = "auto", order: str = "logical") -> torch.Tensor:
    """Packed signs: x float [N, ...] (any layout) -> int64 [N, ceil(U / 64)], U = x[0].numel().

    order "logical": bit j of word w of row n is 1[x[n].flatten()[64 w + j] > 0] (so NaN and -0.0 give 0).
    order "memory": the units of each sample in the order of their strides (largest first; for a
    channels_last tensor, H, W, C), the same permutation for every sample. Hamming distances, and so
    hamming_gram, do not depend on the order of the units, and this order reads every layout as rows.
    """
    x = x.detach()
    if x.dim() == 0:
        raise ValueError("x must have a sample dimension: float [N, ...], got a scalar")
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}; accepted: {', '.join(ORDERS)}")
    if order == "memory" and x.dim() > 2:
        dims = sorted(range(1, x.dim()), key=lambda d: -x.stride(d))
        x = x.permute(0, *dims)
    n = x.shape[0]
    units = math.prod(x.shape[1:])
    chosen = resolve("pack_signs", backend, x)
    if chosen == "torch":
        return reference.pack_signs(x)
    if n == 0 or units == 0:
        return torch.zeros(n, (units + 63) // 64, dtype=torch.int64, device=x.device)
    x = _as_float(x)
    if x.dim() == 1:
        x = x.unsqueeze(1)
    return _cpp_pack(x) if chosen == "cpp" else _triton_pack(x)
