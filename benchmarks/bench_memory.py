"""Peak memory while scoring many NB201 architectures in one process: it must stay flat.

Scores ``--archs`` sampled architectures with the runner's per-architecture path (build, Plan.score,
drop the model), records the process's resident memory after every ``--every`` architectures, and
compares the peak over the second half with the peak over the first (after a warm-up). Rows go to
benchmarks/results/bench_memory.csv.

    python benchmarks/bench_memory.py --archs 2000 --batch-size 16
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import append_rows  # noqa: E402

from zcnas.data import make_batches  # noqa: E402
from zcnas.engine import Plan  # noqa: E402
from zcnas.runner import arch_seed  # noqa: E402
from zcnas.spaces import get_space  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def resident_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archs", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--proxies", default="nwot,lnwot,snip,snip_snr,tcet_snip,synflow,params")
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=100)
    args = parser.parse_args()

    space = get_space("nb201")
    batches = make_batches("cifar-sample", "cifar10", args.batch_size, 0)
    plan = Plan(args.proxies.split(","))
    archs = space.sample(args.archs, 0)
    samples = []  # (architectures done, resident MiB)
    start = time.perf_counter()
    for done, arch in enumerate(archs, 1):
        torch.manual_seed(arch_seed(arch, 0))
        plan.score(space.build(arch, "cifar10"), batches, seed=arch_seed(arch, 0))
        if done % args.every == 0 or done == len(archs):
            gc.collect()
            samples.append((done, resident_mib()))
            print(f"{done} architectures: {samples[-1][1]:.0f} MiB resident", flush=True)
    seconds = time.perf_counter() - start
    measured = [(d, m) for d, m in samples if d > args.warmup]
    half = len(archs) // 2
    first = max(m for d, m in measured if d <= half)
    second = max(m for d, m in measured if d > half)
    row = {"archs": len(archs), "batch_size": args.batch_size, "proxies": args.proxies,
           "peak_first_half_mib": round(first, 1), "peak_second_half_mib": round(second, 1),
           "growth_pct": round(100 * (second / first - 1), 2), "seconds": round(seconds, 1)}
    path = append_rows("bench_memory", [row])
    print(f"peak resident memory: {first:.0f} MiB over architectures {args.warmup}..{half}, "
          f"{second:.0f} MiB over {half}..{len(archs)} ({row['growth_pct']:+.2f}%); rows appended to {path}")


if __name__ == "__main__":
    main()
