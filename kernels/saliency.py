"""Triton saliency_stats: per-segment Σ|θg|, Σθg, Σ(θg)², Σg², Σθ², count, accumulated in float64.

Reads 2·T elements, writes 6·S float64. Segments are cut into pieces of at most PIECE elements; one
program sums each piece, then one program per segment adds its pieces in order (deterministic, no
atomics).
"""
import torch
import triton
import triton.language as tl

PIECE = 1 << 15


@triton.jit
def _piece_kernel(
    theta_ptr,  # float32/float64 [T]
    grad_ptr,  # float32/float64 [T], same dtype as theta
    begin_ptr,  # int64 [P] first element of each piece
    end_ptr,  # int64 [P] one past its last element
    part_ptr,  # float64 [P, 5] piece sums: Σ|s|, Σs, Σs², Σg², Σθ²
    BLOCK: tl.constexpr,
):
    pid = tl.program_id(0)
    begin = tl.load(begin_ptr + pid)
    end = tl.load(end_ptr + pid)
    sa = tl.zeros((BLOCK,), dtype=tl.float64)
    s1 = tl.zeros((BLOCK,), dtype=tl.float64)
    s2 = tl.zeros((BLOCK,), dtype=tl.float64)
    g2 = tl.zeros((BLOCK,), dtype=tl.float64)
    t2 = tl.zeros((BLOCK,), dtype=tl.float64)
    for start in range(begin, end, BLOCK):
        offs = start + tl.arange(0, BLOCK)
        mask = offs < end
        t = tl.load(theta_ptr + offs, mask=mask, other=0.0).to(tl.float64)
        g = tl.load(grad_ptr + offs, mask=mask, other=0.0).to(tl.float64)
        p = t * g
        sa += tl.abs(p)
        s1 += p
        s2 += p * p
        g2 += g * g
        t2 += t * t
    row = part_ptr + pid.to(tl.int64) * 5
    tl.store(row + 0, tl.sum(sa, axis=0))
    tl.store(row + 1, tl.sum(s1, axis=0))
    tl.store(row + 2, tl.sum(s2, axis=0))
    tl.store(row + 3, tl.sum(g2, axis=0))
    tl.store(row + 4, tl.sum(t2, axis=0))


@triton.jit
def _segment_kernel(
    part_ptr,  # float64 [P, 5] piece sums
    first_ptr,  # int64 [S + 1] first piece of each segment (pieces of a segment are consecutive)
    offsets_ptr,  # int64 [S + 1] element offsets (for the count column)
    out_ptr,  # float64 [S, 6]
):
    s = tl.program_id(0)
    p0 = tl.load(first_ptr + s)
    p1 = tl.load(first_ptr + s + 1)
    cols = tl.arange(0, 8)
    acc = tl.zeros((8,), dtype=tl.float64)
    for p in range(p0, p1):
        acc += tl.load(part_ptr + p * 5 + cols, mask=cols < 5, other=0.0)
    count = (tl.load(offsets_ptr + s + 1) - tl.load(offsets_ptr + s)).to(tl.float64)
    acc = tl.where(cols == 5, count, acc)
    tl.store(out_ptr + s.to(tl.int64) * 6 + cols, acc, mask=cols < 6)


def saliency_stats(theta: torch.Tensor, grad: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """theta, grad float [T] contiguous (same dtype), offsets int64 [S + 1] -> float64 [S, 6]."""
    s = offsets.numel() - 1
    out = torch.empty(s, 6, dtype=torch.float64, device=theta.device)
    if s == 0:
        return out
    lengths = offsets.diff()
    npieces = (lengths + PIECE - 1) // PIECE
    first = torch.zeros(s + 1, dtype=torch.int64, device=theta.device)
    first[1:] = npieces.cumsum(0)
    total = int(first[-1])  # one host sync: the launch size
    part = torch.empty(max(total, 1), 5, dtype=torch.float64, device=theta.device)
    if total > 0:
        seg = torch.repeat_interleave(torch.arange(s, device=theta.device), npieces)
        index = torch.arange(total, device=theta.device) - first[seg]
        begin = offsets[seg] + index * PIECE
        end = torch.minimum(begin + PIECE, offsets[seg + 1])
        _piece_kernel[(total,)](theta, grad, begin, end, part, BLOCK=1024)
    _segment_kernel[(s,)](part, first, offsets, out)
    return out
