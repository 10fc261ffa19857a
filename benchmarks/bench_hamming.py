"""NWOT kernel: pack_signs + hamming_gram (C++) against the torch single-matmul formulation.

For every architecture a, the activations x_a [N, U] (float32, ReLU-like: about half zeros) become
K_a = U − Hamming(1[x_a > 0]) for all sample pairs. Side by side in one run:
  cpp     codes_a = pack_signs(x_a) for every a, then one hamming_gram(codes [A, N, W], U)
  torch   c = 1[x_a > 0] as float32, s = c.sum(1), K_a = 2 c cᵀ − s 1ᵀ − 1 sᵀ + U  (exact below 2**24 units)
plus each stage alone (pack, gram; the float cast, the matmul) and the floor: a plain copy of x_a.
Correctness first: cpp, torch and the reference agree exactly. Rows go to benchmarks/results/bench_hamming.csv.

    python benchmarks/bench_hamming.py            # small sizes, seconds
    python benchmarks/bench_hamming.py --full     # NB201 sizes: N=64, U=400,000 and 900,000, 64 architectures
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import append_rows  # noqa: E402

from zcnas.ops import hamming_gram, pack_signs, reference  # noqa: E402


def torch_gram(x: torch.Tensor, units: int) -> torch.Tensor:
    """The single-matmul formulation on one architecture: x float [N, U] -> int64 [N, N]."""
    c = (x > 0).to(torch.float32)
    s = c.sum(1)
    k = 2 * (c @ c.T) - s[:, None] - s[None, :] + units
    return k.round().to(torch.int64)


def activations(count: int, n: int, units: int, seed: int) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [torch.relu(torch.randn(n, units, generator=g)) for _ in range(count)]


def check(xs: list[torch.Tensor], archs: int, units: int) -> None:
    """cpp == torch matmul on every distinct input, and == the reference on a slice of units."""
    codes = torch.stack([pack_signs(xs[a % len(xs)], backend="cpp") for a in range(archs)])
    k = hamming_gram(codes, units, backend="cpp")
    for a in range(min(archs, len(xs))):
        if not torch.equal(k[a], torch_gram(xs[a], units)):
            raise SystemExit(f"cpp and torch kernels differ (architecture {a}, {units} units)")
    small = xs[0][:, : min(units, 4099)]
    small_codes = pack_signs(small, backend="cpp")
    if not torch.equal(small_codes, reference.pack_signs(small)):
        raise SystemExit("pack_signs differs from the reference")
    want = reference.hamming_gram(small_codes.unsqueeze(0), small.shape[1])
    if not torch.equal(hamming_gram(small_codes.unsqueeze(0), small.shape[1], backend="cpp"), want):
        raise SystemExit("hamming_gram differs from the reference")


def time_interleaved(fns: dict, repeat: int) -> dict[str, tuple[float, float]]:
    """Median and spread (max − min) seconds of each fn; one warm-up, then the repeats round-robin so
    that load from other users of a shared machine hits every implementation alike."""
    times = {name: [] for name in fns}
    for name, fn in fns.items():
        fn()
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(t), max(t) - min(t)) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archs", type=int, default=4, help="architectures per timed call")
    parser.add_argument("--samples", type=int, default=64, help="N, the minibatch size")
    parser.add_argument("--units", type=int, nargs="+", default=[40_000], help="activation units per sample")
    parser.add_argument("--distinct", type=int, default=2,
                        help="distinct activation tensors, cycled over the architectures (memory)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="NB201 sizes: 64 archs, 400,000 and 900,000 units")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.full:
        args.archs, args.units = 64, [400_000, 900_000]

    rows = []
    for units in args.units:
        xs = activations(min(args.distinct, args.archs), args.samples, units, args.seed)
        check(xs, args.archs, units)
        words = (units + 63) // 64
        codes = torch.empty(args.archs, args.samples, words, dtype=torch.int64)

        def cpp_pack():
            for a in range(args.archs):
                codes[a] = pack_signs(xs[a % len(xs)], backend="cpp")

        def cpp_total():
            cpp_pack()
            return hamming_gram(codes, units, backend="cpp")

        floats = [(x > 0).to(torch.float32) for x in xs]

        def torch_total():
            return [torch_gram(xs[a % len(xs)], units) for a in range(args.archs)]

        def torch_matmul():  # the matmul formulation from a ready 0/1 float matrix
            out = []
            for a in range(args.archs):
                c = floats[a % len(xs)]
                s = c.sum(1)
                out.append(2 * (c @ c.T) - s[:, None] - s[None, :] + units)
            return out

        scratch = torch.empty_like(xs[0])

        def copy_floor():  # read + write every activation once, into a ready buffer
            for a in range(args.archs):
                scratch.copy_(xs[a % len(xs)])

        timings = time_interleaved({
            "cpp_pack_plus_gram": cpp_total,
            "cpp_pack": cpp_pack,
            "cpp_gram": lambda: hamming_gram(codes, units, backend="cpp"),
            "torch_cast_plus_matmul": torch_total,
            "torch_matmul": torch_matmul,
            "copy_activations": copy_floor,
        }, args.repeat)
        base = timings["torch_cast_plus_matmul"][0]
        gbytes = args.archs * args.samples * units * 4 / 1e9
        for impl, (median, spread) in timings.items():
            rows.append({
                "impl": impl, "archs": args.archs, "samples": args.samples, "units": units,
                "threads": torch.get_num_threads(), "median_s": f"{median:.5f}", "spread_s": f"{spread:.5f}",
                "activation_gb_per_s": f"{gbytes / median:.2f}",
                "torch_total_over_this": f"{base / median:.2f}",
            })
        t = {k: v[0] for k, v in timings.items()}
        print(f"U={units:,} N={args.samples} A={args.archs}: "
              f"cpp pack+gram {t['cpp_pack_plus_gram']:.3f}s (pack {t['cpp_pack']:.3f}, gram {t['cpp_gram']:.3f}) | "
              f"torch cast+matmul {t['torch_cast_plus_matmul']:.3f}s (matmul only {t['torch_matmul']:.3f}) | "
              f"copy floor {t['copy_activations']:.3f}s\n"
              f"  end to end: cpp is {base / t['cpp_pack_plus_gram']:.1f}x faster; "
              f"gram vs matmul alone: {t['torch_matmul'] / t['cpp_gram']:.1f}x; "
              f"pack reaches {gbytes / t['cpp_pack']:.1f} GB/s vs copy {gbytes / t['copy_activations']:.1f} GB/s")
        del xs, floats, codes, scratch
    path = append_rows("bench_hamming", rows)
    print(f"rows appended to {path}")


if __name__ == "__main__":
    main()
