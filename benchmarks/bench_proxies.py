"""Fast-path proxy costs on NB201 at batch 64, each against its floor, side by side in one run.

1. nwot hook overhead: the main forward with the plan's packing hooks on every nn.ReLU input, against
   the same forward without hooks, and against Python hooks that keep float codes and accumulate
   K with a float matmul per ReLU (the usual reference implementation).
2. tcet_snip per architecture (the whole ``Plan(["tcet_snip"]).score``: model copy, forward with Lnwot
   hooks, CE backward, saliency sums, packed per-layer Gram matrices and their log-determinants),
   against one plain forward+backward of the same network.
Both in each memory layout (NCHW and channels_last: model, input and the plan's private copy alike),
so that the ratios compare like with like and the layouts compare side by side in one run.
Rows go to benchmarks/results/bench_proxies.csv.

    python benchmarks/bench_proxies.py --archs 5
"""
from __future__ import annotations

import argparse
import statistics
import sys
from collections import Counter
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))
from common import append_rows, time_call  # noqa: E402

from zcnas.data import make_batches  # noqa: E402
from zcnas.engine import Plan  # noqa: E402
from zcnas.engine import passes  # noqa: E402
from zcnas.engine.types import Pass, PassOutputs  # noqa: E402
from zcnas.ops import hamming_gram  # noqa: E402
from zcnas.runner import arch_seed  # noqa: E402
from zcnas.spaces import get_space  # noqa: E402


def python_hook_forward(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Forward with the usual Python NWOT hooks: float codes and a float K matmul per ReLU."""
    n = x.shape[0]
    kernel = torch.zeros(n, n)

    def accumulate(_module, inputs):
        codes = (inputs[0].reshape(n, -1) > 0).float()
        kernel.add_(codes @ codes.t() + (1 - codes) @ (1 - codes).t())

    handles = [m.register_forward_pre_hook(accumulate) for m in model.modules() if isinstance(m, nn.ReLU)]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    return kernel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--layouts", default="contiguous,channels_last",
                        help="comma-separated memory layouts to measure: contiguous, channels_last")
    args = parser.parse_args()

    space = get_space("nb201")
    rows = []
    for arch in space.sample(args.archs, args.seed):
        for layout in args.layouts.split(","):
            rows.append(measure(space, arch, layout, args))
    path = append_rows("bench_proxies", rows)
    for layout in args.layouts.split(","):
        mine = [r for r in rows if r["layout"] == layout]
        med = {k: statistics.median(r[k] for r in mine)
               for k in ("nwot_hook_overhead", "python_hook_overhead", "tcet_snip_over_fwd_bwd", "tcet_snip_s")}
        print(f"{layout}, median over {len(mine)}: nwot hook overhead {100 * med['nwot_hook_overhead']:.1f}% of a "
              f"forward (python hooks {100 * med['python_hook_overhead']:.0f}%), tcet_snip "
              f"{med['tcet_snip_over_fwd_bwd']:.2f}x a forward+backward, {med['tcet_snip_s']:.3f}s")
    if {"contiguous", "channels_last"} <= set(args.layouts.split(",")):
        seconds = {(r["arch"], r["layout"]): r["tcet_snip_s"] for r in rows}
        speedups = [seconds[a, "contiguous"] / seconds[a, "channels_last"] for a, _ in seconds if _ == "contiguous"]
        print(f"tcet_snip channels_last over NCHW: {statistics.median(speedups):.2f}x faster (median)")
    print(f"rows appended to {path}")


def measure(space, arch: str, layout: str, args) -> dict:
    """One architecture in one memory layout: the timings and ratios of one row."""
    memory_format = torch.channels_last if layout == "channels_last" else torch.contiguous_format
    batches = make_batches("cifar-sample", "cifar10", args.batch_size, 0)
    x, y = batches[0]
    x = x.contiguous(memory_format=memory_format)
    batches = [(x, y)] + batches[1:]
    tcet = Plan(["tcet_snip"], memory_format=layout)
    torch.manual_seed(arch_seed(arch, 0))
    model = space.build(arch, "cifar10").to(memory_format=memory_format).train()

    # correctness first: the packed K equals the Python-hook K
    out = PassOutputs()
    passes.main_pass(model, (x, y), {Pass.RELU_CODES}, out, Counter())
    packed_k = hamming_gram(out.relu_codes.unsqueeze(0), out.relu_units)[0]
    if not torch.equal(packed_k, python_hook_forward(model, x).round().to(torch.int64)):
        raise SystemExit(f"{arch}: packed NWOT kernel differs from the Python-hook kernel")

    def plain_forward():
        with torch.no_grad():
            model(x)

    def hooked_forward():
        passes.main_pass(model, (x, y), {Pass.RELU_CODES}, PassOutputs(), Counter())

    def forward_backward():
        model.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()

    fwd, fwd_spread = time_call(plain_forward, args.repeat)
    hooked, hooked_spread = time_call(hooked_forward, args.repeat)
    python_hooked, _ = time_call(lambda: python_hook_forward(model, x), args.repeat)
    fwd_bwd, fwd_bwd_spread = time_call(forward_backward, args.repeat)
    tcet_time, tcet_spread = time_call(lambda: tcet.score(model, batches, seed=0), args.repeat)
    row = {
        "arch": arch, "batch_size": args.batch_size, "layout": layout,
        "forward_s": fwd, "nwot_hooked_forward_s": hooked, "python_hooked_forward_s": python_hooked,
        "nwot_hook_overhead": hooked / fwd - 1, "python_hook_overhead": python_hooked / fwd - 1,
        "fwd_bwd_s": fwd_bwd, "tcet_snip_s": tcet_time, "tcet_snip_over_fwd_bwd": tcet_time / fwd_bwd,
        "spread_s": f"{fwd_spread:.3f}/{hooked_spread:.3f}/{fwd_bwd_spread:.3f}/{tcet_spread:.3f}",
    }
    print(f"{arch} {layout}: forward {fwd:.3f}s, nwot hooks +{100 * row['nwot_hook_overhead']:.1f}% "
          f"(python hooks +{100 * row['python_hook_overhead']:.0f}%); fwd+bwd {fwd_bwd:.3f}s, "
          f"tcet_snip {tcet_time:.3f}s = {row['tcet_snip_over_fwd_bwd']:.2f}x", flush=True)
    return row


if __name__ == "__main__":
    main()
