"""saliency_stats (C++) against the torch reference, and against the memory floor (a plain copy).

Flat float32 θ and ∂L/∂θ buffers of many NB201-like architectures (every conv and BN weight a segment;
parameter-free ops give empty segments) are reduced to float64 [S, 6] per-segment sums in one call.
Correctness first (zcnas.testing tolerances). Rows go to benchmarks/results/bench_saliency.csv.

    python benchmarks/bench_saliency.py           # small sizes, seconds
    python benchmarks/bench_saliency.py --full    # 64 architectures (~60M parameters)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import append_rows, time_call  # noqa: E402

from zcnas.ops import reference, saliency_stats  # noqa: E402
from zcnas.testing import TOLERANCES  # noqa: E402


def nb201_like_segments(archs: int, seed: int) -> torch.Tensor:
    """Segment sizes of `archs` random NB201-like cells networks: per edge a 3x3 conv, 1x1 conv or a
    parameter-free op (empty segment), each conv followed by its BatchNorm (2·C)."""
    g = torch.Generator().manual_seed(seed)
    sizes = [3 * 16 * 9, 32]  # stem conv + BN
    for _ in range(archs):
        for channels in (16, 32, 64):
            for _cell in range(5):
                for _edge in range(6):
                    op = int(torch.randint(0, 4, (1,), generator=g))
                    if op == 0:
                        sizes += [channels * channels * 9, 2 * channels]
                    elif op == 1:
                        sizes += [channels * channels, 2 * channels]
                    else:
                        sizes.append(0)
        sizes += [64 * 10, 10]  # classifier
    return torch.tensor([0] + sizes, dtype=torch.int64).cumsum(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archs", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--full", action="store_true", help="64 architectures")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.full:
        args.archs = 64
    dtype = getattr(torch, args.dtype)

    offsets = nb201_like_segments(args.archs, args.seed)
    total = int(offsets[-1])
    g = torch.Generator().manual_seed(args.seed)
    theta = torch.randn(total, generator=g).to(dtype)
    grad = (torch.randn(total, generator=g) * 1e-3).to(dtype)

    want = reference.saliency_stats(theta, grad, offsets)
    got = saliency_stats(theta, grad, offsets, backend="cpp")
    torch.testing.assert_close(got, want, **TOLERANCES["float64_sum"])

    theta_copy, grad_copy = torch.empty_like(theta), torch.empty_like(grad)

    def copy_floor():  # reads both inputs once (and writes them once)
        theta_copy.copy_(theta)
        grad_copy.copy_(grad)

    timings = {
        "cpp": time_call(lambda: saliency_stats(theta, grad, offsets, backend="cpp"), args.repeat),
        "torch_reference": time_call(lambda: reference.saliency_stats(theta, grad, offsets), args.repeat),
        "copy_inputs": time_call(copy_floor, args.repeat),
    }
    read_gb = 2 * total * theta.element_size() / 1e9
    rows = []
    for impl, (median, spread) in timings.items():
        rows.append({
            "impl": impl, "archs": args.archs, "params": total, "segments": offsets.numel() - 1,
            "dtype": args.dtype, "threads": torch.get_num_threads(), "median_s": f"{median:.5f}",
            "spread_s": f"{spread:.5f}", "input_gb_per_s": f"{read_gb / median:.2f}",
            "torch_over_this": f"{timings['torch_reference'][0] / median:.2f}",
        })
    t = {k: v[0] for k, v in timings.items()}
    print(f"{args.archs} archs, {total:,} params, {offsets.numel() - 1:,} segments ({args.dtype}): "
          f"cpp {t['cpp'] * 1e3:.1f} ms ({read_gb / t['cpp']:.1f} GB/s), torch reference {t['torch_reference'] * 1e3:.1f} ms "
          f"-> {t['torch_reference'] / t['cpp']:.1f}x; copy floor {t['copy_inputs'] * 1e3:.1f} ms "
          f"({read_gb / t['copy_inputs']:.1f} GB/s read)")
    print(f"rows appended to {append_rows('bench_saliency', rows)}")


if __name__ == "__main__":
    main()
