"""Triton hamming_gram: K[a, s] = units[a, s] − popcount(c_i xor c_j) summed over segment s's words.

Work: A·S·N²·W_s xor+popcounts (full N x N grid; the cpp backend exploits symmetry), reads each
[BLOCK, W] code tile N/BLOCK times, writes A·S·N²·8 bytes. Popcount is the SWAR bit trick on int64
(no libdevice, so it also runs under TRITON_INTERPRET=1); shifts are arithmetic on int64, so every
shift is followed by a mask that clears the sign-extended bits.
"""
import torch
import triton
import triton.language as tl


@triton.jit
def _popcount64(x):
    # x: int64 tensor -> int64 bit counts. Masks clear sign-extension after each arithmetic shift.
    x = x - ((x >> 1) & 0x5555555555555555)
    x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333)
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0F  # per-byte counts <= 8: x is now non-negative
    x = x + (x >> 8)
    x = x + (x >> 16)
    x = x + (x >> 32)
    return x & 0x7F


@triton.jit
def _hamming_kernel(
    codes_ptr,  # int64 [A, N, W] packed signs, contiguous
    units_ptr,  # int64 [A, S] unit count of each (a, segment)
    seg_ptr,  # int64 [S + 1] word offsets of the segments
    out_ptr,  # int64 [A, S, N, N] output K
    N, W, S,  # int32 scalars
    BLOCK_I: tl.constexpr, BLOCK_J: tl.constexpr, BLOCK_W: tl.constexpr,
):
    pid_as = tl.program_id(0)  # a * S + s
    a = pid_as // S
    s = pid_as % S
    offs_i = tl.program_id(1) * BLOCK_I + tl.arange(0, BLOCK_I)
    offs_j = tl.program_id(2) * BLOCK_J + tl.arange(0, BLOCK_J)
    w_begin = tl.load(seg_ptr + s)
    w_end = tl.load(seg_ptr + s + 1)
    base = codes_ptr + a.to(tl.int64) * N * W
    acc = tl.zeros((BLOCK_I, BLOCK_J), dtype=tl.int64)
    for w0 in range(w_begin, w_end, BLOCK_W):
        offs_w = w0 + tl.arange(0, BLOCK_W)
        mask_w = offs_w < w_end
        ci = tl.load(base + offs_i[:, None] * W + offs_w[None, :], mask=(offs_i[:, None] < N) & mask_w[None, :], other=0)
        cj = tl.load(base + offs_j[:, None] * W + offs_w[None, :], mask=(offs_j[:, None] < N) & mask_w[None, :], other=0)
        acc += tl.sum(_popcount64(ci[:, None, :] ^ cj[None, :, :]), axis=2)
    units = tl.load(units_ptr + pid_as)
    out = out_ptr + pid_as.to(tl.int64) * N * N + offs_i[:, None] * N + offs_j[None, :]
    tl.store(out, units - acc, mask=(offs_i[:, None] < N) & (offs_j[None, :] < N))


def hamming_gram(codes: torch.Tensor, units: torch.Tensor, segments: torch.Tensor) -> torch.Tensor:
    """codes int64 [A, N, W] contiguous, units int64 [A, S], segments int64 [S + 1] -> K int64 [A, S, N, N]."""
    a, n, w = codes.shape
    s = segments.numel() - 1
    out = torch.empty(a, s, n, n, dtype=torch.int64, device=codes.device)
    if out.numel() == 0:
        return out
    block = 16 if n > 8 else 8
    grid = (a * s, triton.cdiv(n, block), triton.cdiv(n, block))
    _hamming_kernel[grid](codes, units.contiguous(), segments.contiguous(), out, n, w, s,
                          BLOCK_I=block, BLOCK_J=block, BLOCK_W=8)
    return out
