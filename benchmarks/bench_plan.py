"""The eight foresight proxies through the pass plan against the usual per-model loop, on NB201.

For each architecture, side by side in one run: one plain forward+backward (the floor), the plan
scoring grad_norm, snip, grasp, fisher, jacob_cov, plain, synflow and nwot together, and the per-model
loop of benchmarks/per_model_loop.py (model rebuilt per proxy, each proxy's own passes, Python hooks).
Also the plan with grasp alone: its exact Hessian-vector product bounds what sharing passes can save.
Values are checked to agree before timing. Rows go to benchmarks/results/bench_plan.csv.

    python benchmarks/bench_plan.py --archs 5 --batch-size 64
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).parent))
from common import append_rows, time_call  # noqa: E402
from per_model_loop import FORESIGHT, score_per_model  # noqa: E402

from zcnas.data import make_batches  # noqa: E402
from zcnas.engine import Plan  # noqa: E402
from zcnas.runner import arch_seed  # noqa: E402
from zcnas.spaces import get_space  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archs", type=int, default=5, help="number of sampled NB201 architectures")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--data", default="cifar-sample")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    space = get_space("nb201")
    batches = make_batches(args.data, "cifar10", args.batch_size, args.seed)
    x, y = batches[0]
    plan = Plan(list(FORESIGHT))
    grasp_only = Plan(["grasp"])
    rows = []
    for arch in space.sample(args.archs, args.seed):
        seed = arch_seed(arch, args.seed)

        def build():
            torch.manual_seed(seed)
            return space.build(arch, "cifar10")

        model = build()
        plan_values = plan.score(model, batches, seed=seed)
        loop_values = score_per_model(build, x, y)
        for name in FORESIGHT:
            a, b = plan_values[name].value, loop_values[name]
            # a non-finite loop value (nwot's -inf for a singular kernel) is the plan's NaN with a reason
            if not (math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-6) or (math.isnan(a) and not math.isfinite(b))):
                raise SystemExit(f"{arch}: {name} differs: plan {a!r} vs per-model loop {b!r}")

        def forward_backward():
            model.train()
            model.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()

        floor, floor_spread = time_call(forward_backward, args.repeat)
        planned, plan_spread = time_call(lambda: plan.score(model, batches, seed=seed), args.repeat)
        looped, loop_spread = time_call(lambda: score_per_model(build, x, y), args.repeat)
        grasp_alone, _ = time_call(lambda: grasp_only.score(model, batches, seed=seed), args.repeat)
        row = {
            "arch": arch, "batch_size": args.batch_size, "proxies": len(FORESIGHT),
            "fwd_bwd_s": floor, "plan_s": planned, "loop_s": looped,
            "plan_over_fwd_bwd": planned / floor, "loop_over_fwd_bwd": looped / floor,
            "loop_over_plan": looped / planned, "grasp_alone_s": grasp_alone,
            "grasp_alone_over_fwd_bwd": grasp_alone / floor,
            "spread_s": f"{floor_spread:.3f}/{plan_spread:.3f}/{loop_spread:.3f}",
        }
        rows.append(row)
        print(f"{arch}: fwd+bwd {floor:.3f}s  plan {planned:.3f}s ({row['plan_over_fwd_bwd']:.2f}x)  "
              f"loop {looped:.3f}s ({row['loop_over_fwd_bwd']:.2f}x)  loop/plan {row['loop_over_plan']:.2f}x  "
              f"grasp alone {row['grasp_alone_over_fwd_bwd']:.2f}x")
    path = append_rows("bench_plan", rows)
    med = {k: statistics.median(r[k] for r in rows)
           for k in ("plan_over_fwd_bwd", "loop_over_fwd_bwd", "loop_over_plan", "grasp_alone_over_fwd_bwd")}
    print(f"median over {len(rows)} architectures: plan = {med['plan_over_fwd_bwd']:.2f} fwd+bwd, "
          f"per-model loop = {med['loop_over_fwd_bwd']:.2f} fwd+bwd, plan is {med['loop_over_plan']:.2f}x faster; "
          f"grasp alone = {med['grasp_alone_over_fwd_bwd']:.2f} fwd+bwd (rows appended to {path})")


if __name__ == "__main__":
    main()
