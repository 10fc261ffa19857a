"""Triton pack_signs: words of 64 sign bits, 1[x > 0], LSB first, in logical [C, P] order per sample.

Reads N·U elements, writes N·ceil(U/64) int64 words. The input is an [N, C, P] view with free strides,
so NCHW-contiguous (stride_p = 1) and channels_last (stride_c = 1) activations are read in place.
"""
import torch
import triton
import triton.language as tl


@triton.jit
def _pack_kernel(
    x_ptr,  # float32/float64 [N, C, P] with strides (stride_n, stride_c, stride_p)
    out_ptr,  # int64 [N, W] packed words, W = ceil(C·P / 64)
    P, U, W,  # int32: positions per channel, units C·P, words
    stride_n, stride_c, stride_p,  # element strides of x
    BLOCK_WORDS: tl.constexpr,
):
    n = tl.program_id(0)
    offs_w = tl.program_id(1) * BLOCK_WORDS + tl.arange(0, BLOCK_WORDS)  # [BLOCK_WORDS]
    bit = tl.arange(0, 64)
    unit = offs_w[:, None] * 64 + bit[None, :]  # [BLOCK_WORDS, 64] logical unit index c·P + p
    c = unit // P
    p = unit - c * P
    ptr = x_ptr + n.to(tl.int64) * stride_n + c.to(tl.int64) * stride_c + p.to(tl.int64) * stride_p
    x = tl.load(ptr, mask=unit < U, other=0.0)
    # Distinct bits: their sum is their OR; bit 63 wraps to the sign bit as two's complement.
    bits = (x > 0).to(tl.int64) << bit[None, :].to(tl.int64)
    tl.store(out_ptr + n.to(tl.int64) * W + offs_w, tl.sum(bits, axis=1), mask=offs_w < W)


def pack_signs(x: torch.Tensor) -> torch.Tensor:
    """x float32/float64 [N, C, P] (any strides) -> int64 [N, ceil(C·P / 64)] in logical C order."""
    n, c, p = x.shape
    units = c * p
    words = (units + 63) // 64
    out = torch.empty(n, words, dtype=torch.int64, device=x.device)
    if out.numel() == 0:
        return out
    block = 16
    grid = (n, triton.cdiv(words, block))
    _pack_kernel[grid](x, out, p, units, words, x.stride(0), x.stride(1), x.stride(2), BLOCK_WORDS=block)
    return out
