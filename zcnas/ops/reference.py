"""Pure-torch reference of every op: the CPU fallback, the test oracle and the benchmark baseline.

Shapes and dtypes are the contract every backend (cpp, triton) must meet exactly (integer ops) or
within float64-accumulation tolerance (saliency_stats).
"""
import math

import torch

# Columns of saliency_stats, with s = theta * grad element-wise (in float64).
STAT_COLUMNS = ("sum_abs", "sum", "sum_sq", "sum_g2", "sum_t2", "count")


def saliency_stats(theta: torch.Tensor, grad: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """Per-segment saliency sums.

    theta, grad: float tensors of T elements (flattened; any float dtype).
    offsets: int64 [S+1], non-decreasing, offsets[0] = 0, offsets[-1] = T; segment i is
    [offsets[i], offsets[i+1]) and may be empty.
    Returns float64 [S, 6] with columns STAT_COLUMNS: Σ|s|, Σs, Σs², Σg², Σθ², count.
    Reads 2·T input elements, writes 6·S float64.
    """
    t = theta.reshape(-1).to(torch.float64)
    g = grad.reshape(-1).to(torch.float64)
    s = t * g
    seg = torch.repeat_interleave(
        torch.arange(offsets.numel() - 1, device=t.device), offsets.diff().to(t.device)
    )
    out = torch.zeros(offsets.numel() - 1, len(STAT_COLUMNS), dtype=torch.float64, device=t.device)
    for col, values in enumerate((s.abs(), s, s * s, g * g, t * t, torch.ones_like(s))):
        out[:, col].index_add_(0, seg, values)
    return out


def pack_signs(x: torch.Tensor) -> torch.Tensor:
    """Bit-pack 1[x > 0] per sample.

    x: float [N, ...] in any layout; units U = x[0].numel() in logical C order of x[n].
    Returns int64 [N, ceil(U / 64)]: bit j (LSB first) of word w is 1[x[n].flatten()[64 w + j] > 0];
    padding bits are 0.
    """
    n = x.shape[0]
    bits = (x.reshape(n, math.prod(x.shape[1:])) > 0).to(torch.int64)  # explicit U: N may be 0
    units = bits.shape[1]
    words = (units + 63) // 64
    bits = torch.nn.functional.pad(bits, (0, words * 64 - units)).view(n, words, 64)
    weights = torch.bitwise_left_shift(torch.ones(64, dtype=torch.int64), torch.arange(64))
    return (bits * weights).sum(-1)  # int64 wraps for bit 63 exactly as two's complement


def hamming_gram(codes: torch.Tensor, units, segments: torch.Tensor | None = None) -> torch.Tensor:
    """K = units − Hamming distance between packed sign codes (the NWOT kernel).

    codes: int64 [A, N, W] (A architectures or layers, N samples, W words).
    segments None: one K over all W words per a; units is an int or int64 [A]; returns int64 [A, N, N].
    segments int64 [S+1] word offsets: one K per word segment (per layer); units is int64 [S]
    (the real unit count of each segment); returns int64 [A, S, N, N].
    Reference formulation: float64 matmul of the unpacked ±1 bits (exact below 2**53 units).
    """
    a, n, w = codes.shape
    shifts = torch.arange(64, dtype=torch.int64, device=codes.device)
    bits = (codes.unsqueeze(-1) >> shifts) & 1  # [A, N, W, 64]
    if segments is None:
        segments = torch.tensor([0, w], dtype=torch.int64)
        units_t = torch.as_tensor(units, dtype=torch.int64).reshape(-1).expand(a).reshape(a, 1)
        squeeze = True
    else:
        units_t = torch.as_tensor(units, dtype=torch.int64).reshape(1, -1).expand(a, -1)
        squeeze = False
    out = []
    for s in range(segments.numel() - 1):
        b = bits[:, :, segments[s]:segments[s + 1]].reshape(a, n, -1).to(torch.float64)
        ones = b.sum(-1)
        # hamming = |c| + |c'| - 2 c·c'
        ham = ones.unsqueeze(-1) + ones.unsqueeze(-2) - 2 * (b @ b.transpose(1, 2))
        out.append(units_t[:, s].view(a, 1, 1) - ham.round().to(torch.int64))
    k = torch.stack(out, dim=1)  # [A, S, N, N]
    return k[:, 0] if squeeze else k


def logdet_psd(k: torch.Tensor, rel_eps: float = 1e-9) -> tuple[torch.Tensor, torch.Tensor]:
    """log det of symmetric positive semi-definite kernels with rank-based singularity.

    k: [..., N, N] (integer or float). Returns (logdet float64 [...], singular bool [...]).
    A kernel is singular when its smallest eigenvalue is below N·rel_eps times its largest; slogdet
    alone returns finite values for most singular K in floating point. logdet is NaN where singular.
    """
    kf = k.to(torch.float64)
    n = kf.shape[-1]
    eig = torch.linalg.eigvalsh(kf)
    singular = eig[..., 0] <= n * rel_eps * eig[..., -1].clamp_min(0)
    logdet = torch.linalg.slogdet(kf).logabsdet
    return torch.where(singular, torch.full_like(logdet, float("nan")), logdet), singular
