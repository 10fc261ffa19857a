"""Reproduce the published NAS-Bench-201 correlations (../shared/PROXIES.md) with every proxy.

Scores a fixed, seeded, uniform sample of NB201 architecture strings (committed under
benchmarks/results/) on CIFAR-10, CIFAR-100 and ImageNet16-120 with the `cifar-sample` minibatch
(batch 64), each canonical class once, then writes:
  benchmarks/results/nb201_reproduction.csv   one row per (dataset, proxy): tau, rho, paper figures
  benchmarks/results/nb201_reproduction.md    the same as Markdown, plus RankAve and partial correlations

    python benchmarks/reproduce_nb201.py --sample 1000 --seed 0 --out results/repro

Runs resume: rerunning the same command continues where an interrupted run stopped.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).parent))
from common import RESULTS, environment, save_report  # noqa: E402

import zcnas  # noqa: E402
from zcnas.aggregate import partial_correlation_matrix, rank_average  # noqa: E402
from zcnas.data.truth import load_truth  # noqa: E402
from zcnas.paths import data_file  # noqa: E402
from zcnas.proxies import available  # noqa: E402
from zcnas.runner import score_space  # noqa: E402
from zcnas.spaces import get_space  # noqa: E402
from zcnas.spaces.nb201 import has_unreachable_ops  # noqa: E402
from zcnas.store import scores_by_proxy  # noqa: E402

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
# Kendall tau against test accuracy, the paper's Table 2 (C10, C100, IN16), from ../shared/PROXIES.md.
PAPER_TAU = {
    "flops": (0.58, 0.55, 0.52), "params": (0.58, 0.55, 0.52), "grad_norm": (0.46, 0.47, 0.43),
    "grasp": (0.37, 0.37, 0.40), "synflow": (0.54, 0.57, 0.56), "snip": (0.46, 0.46, 0.43),
    "zico": (0.61, 0.61, 0.60), "zen": (0.29, 0.28, 0.29), "nwot": (0.58, 0.62, 0.60),
    "lnwot": (0.57, 0.57, 0.56), "synflow_snr": (0.63, 0.60, 0.59), "snip_snr": (0.68, 0.65, 0.63),
    "tcet_synflow": (0.65, 0.62, 0.58), "tcet_snip": (0.69, 0.65, 0.62),
}
# Spearman rho against CIFAR-10 test accuracy, NAS-Bench-Suite-Zero, archs without unreachable ops.
SUITE_ZERO_RHO = {
    "synflow": 0.78, "nwot": 0.81, "jacob_cov": 0.80, "epe_nas": 0.77, "params": 0.80, "flops": 0.77,
    "l2_norm": 0.75, "snip": 0.60, "grad_norm": 0.60, "fisher": 0.55, "grasp": 0.54, "plain": -0.35,
}
PARTIAL = ("zico", "synflow", "synflow_snr", "nwot", "lnwot")
PAPER_PARTIAL = {("zico", "synflow"): 0.66, ("nwot", "lnwot"): 0.85, ("synflow", "nwot"): 0.38}
TAU_TOLERANCE, RHO_TOLERANCE = 0.04, 0.05


def sample_file(size: int, seed: int) -> Path:
    """The committed sample of architecture strings; written once, then checked against the sampler."""
    path = RESULTS / f"nb201_sample_{size}_seed{seed}.txt"
    archs = get_space("nb201").sample(size, seed)
    if path.exists():
        stored = path.read_text().split()
        if stored != archs:
            raise SystemExit(f"{path} does not match sample({size}, seed={seed}); delete it to regenerate")
    else:
        path.write_text("\n".join(archs) + "\n")
    return path


def correlation(scores: dict[str, float], truth: dict[str, float], archs) -> tuple[float, float, int]:
    pairs = [(scores[a], truth[a]) for a in archs if a in scores and a in truth and math.isfinite(scores[a])]
    if len(pairs) < 3:
        return math.nan, math.nan, len(pairs)
    s, t = np.array(pairs).T
    return stats.kendalltau(s, t).statistic, stats.spearmanr(s, t).statistic, len(pairs)


def bootstrap_tau(scores: dict[str, float], truth: dict[str, float], archs, resamples: int = 200,
                  seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of Kendall tau over architectures resampled with replacement: how far
    the sampled population alone moves the figure."""
    pairs = np.array([(scores[a], truth[a]) for a in archs if a in scores and a in truth
                      and math.isfinite(scores[a])])
    rng = np.random.default_rng(seed)
    taus = [stats.kendalltau(*pairs[rng.integers(0, len(pairs), len(pairs))].T).statistic
            for _ in range(resamples)]
    return float(np.percentile(taus, 2.5)), float(np.percentile(taus, 97.5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--proxies", default="all", help="comma-separated, or 'all'")
    parser.add_argument("--out", default="results/repro")
    parser.add_argument("--score-only", action="store_true", help="score, do not write the report")
    args = parser.parse_args()

    truth_csv = data_file("nb201/nb201_ground_truth.csv")
    if truth_csv is None:
        raise SystemExit("the NB201 ground truth is needed: set ZCNAS_DATA")
    proxies = available() if args.proxies == "all" else args.proxies.split(",")
    archs_path = sample_file(args.sample, args.seed)
    datasets = args.datasets.split(",")
    for dataset in datasets:
        out = Path(args.out) / dataset
        print(f"scoring {dataset} -> {out}", flush=True)
        score_space("nb201", proxies, archs=f"file:{archs_path}", dataset=dataset, data="cifar-sample",
                    batch_size=64, seed=args.seed, out=out, resume=out.exists())
    if not args.score_only:
        write_report(args, datasets, truth_csv, archs_path)


def write_report(args, datasets, truth_csv, archs_path) -> None:
    archs = archs_path.read_text().split()
    rows, lines = [], []
    env = environment()
    lines += [f"# NAS-Bench-201 reproduction ({env['date']}, git {env['git_sha']})", "",
              f"Sample: {len(archs)} architecture strings, `{archs_path.name}` (uniform, seed {args.seed}); "
              "each canonical class scored once. Minibatch: `cifar-sample` (20 real CIFAR test images "
              "expanded to 64 by the standard training augmentation; CIFAR-100 images downsampled to 16x16 "
              "with seeded labels in 0..119 for ImageNet16-120), batch 64, seed "
              f"{args.seed}. Ground truth: NB201 test accuracy (200 epochs, mean over seeds).",
              f"Command: `python benchmarks/reproduce_nb201.py --sample {args.sample} --seed {args.seed}`", ""]
    per_dataset = {}
    for dataset in datasets:
        truth = load_truth(truth_csv, f"test_acc_{dataset}").values
        scores = scores_by_proxy(zcnas.load_results(Path(args.out) / dataset))
        per_dataset[dataset] = (scores, truth)
        for proxy, values in sorted(scores.items()):
            tau, rho, n = correlation(values, truth, archs)
            paper = PAPER_TAU.get(proxy, (None,) * 3)[DATASETS.index(dataset)]
            low, high = bootstrap_tau(values, truth, archs) if paper is not None else (None, None)
            rows.append({"dataset": dataset, "proxy": proxy, "n": n, "kendall_tau": tau, "spearman_rho": rho,
                         "paper_tau": paper, "tau_within_0.04": None if paper is None else abs(tau - paper) <= TAU_TOLERANCE,
                         "tau_ci95_low": low, "tau_ci95_high": high})
    # Table 2
    lines += ["## Kendall tau against test accuracy (paper Table 2 in brackets)", "",
              "| proxy | " + " | ".join(datasets) + " |", "|---" * (len(datasets) + 1) + "|"]
    by_key = {(r["dataset"], r["proxy"]): r for r in rows}
    for proxy in PAPER_TAU:
        cells = []
        for dataset in datasets:
            r = by_key.get((dataset, proxy))
            if r is None:
                cells.append("—")
                continue
            mark = "" if r["tau_within_0.04"] else " ✗"
            inside = r["tau_ci95_low"] <= r["paper_tau"] <= r["tau_ci95_high"]
            cells.append(f"{r['kendall_tau']:.3f} [{r['tau_ci95_low']:.2f}, {r['tau_ci95_high']:.2f}] "
                         f"({r['paper_tau']:.2f}{'' if inside else '†'}){mark}")
        lines.append(f"| {proxy} | " + " | ".join(cells) + " |")
    lines += ["", "Cells: our tau [bootstrap 95% interval over the sampled architectures] (paper). ✗: outside "
              "±0.04 of the paper; †: the paper's figure lies outside our bootstrap interval (the sample "
              "alone does not explain the gap).", ""]
    # Suite-Zero Spearman on archs without unreachable ops
    if "cifar10" in per_dataset:
        scores, truth = per_dataset["cifar10"]
        reachable = [a for a in archs if not has_unreachable_ops(a)]
        lines += [f"## Spearman rho, CIFAR-10, {len(reachable)} sampled architectures without unreachable "
                  "operations (NAS-Bench-Suite-Zero in brackets)", "", "| proxy | rho | Suite-Zero | within 0.05 |",
                  "|---|---|---|---|"]
        for proxy, published in SUITE_ZERO_RHO.items():
            if proxy not in scores:
                continue
            _, rho, n = correlation(scores[proxy], truth, reachable)
            ok = abs(rho - published) <= RHO_TOLERANCE
            rows.append({"dataset": "cifar10-reachable", "proxy": proxy, "n": n, "kendall_tau": None,
                         "spearman_rho": rho, "paper_tau": None, "suite_zero_rho": published, "rho_within_0.05": ok})
            lines.append(f"| {proxy} | {rho:.3f} | {published:.2f} | {'yes' if ok else 'no'} |")
        lines.append("")
        # RankAve and T-CET
        common = [a for a in archs if a in truth and all(math.isfinite(scores.get(p, {}).get(a, math.nan))
                                                          for p in ("snip_snr", "lnwot"))]
        if common:
            ranked = rank_average({p: np.array([scores[p][a] for a in common]) for p in ("snip_snr", "lnwot")})
            tau = stats.kendalltau(ranked, [truth[a] for a in common]).statistic
            rows.append({"dataset": "cifar10", "proxy": "rankave(snip_snr,lnwot)", "n": len(common),
                         "kendall_tau": tau, "spearman_rho": None, "paper_tau": None})
            best = max((r for r in rows if r["dataset"] == "cifar10" and r["proxy"] in SUITE_ZERO_RHO | PAPER_TAU
                        and not r["proxy"].startswith(("tcet", "snip_snr", "synflow_snr", "lnwot"))
                        and r["kendall_tau"] is not None), key=lambda r: r["kendall_tau"])
            tcet = by_key.get(("cifar10", "tcet_snip"))
            lines += ["## T-CET(SNIP) against RankAve(snip_snr, lnwot) and the best standard proxy (CIFAR-10 tau)", "",
                      f"tcet_snip {tcet['kendall_tau']:.3f}; RankAve(snip_snr, lnwot) {tau:.3f}; "
                      f"best standard proxy {best['proxy']} {best['kendall_tau']:.3f}. "
                      + ("T-CET(SNIP) beats both." if tcet["kendall_tau"] > max(tau, best["kendall_tau"])
                         else "FINDING: T-CET(SNIP) does not beat both."), ""]
        # Partial correlations
        names = [p for p in PARTIAL if p in scores]
        common = [a for a in archs if a in truth and all(math.isfinite(scores[p].get(a, math.nan)) for p in names)]
        names, matrix = partial_correlation_matrix({p: np.array([scores[p][a] for a in common]) for p in names},
                                                   np.array([truth[a] for a in common]))
        lines += [f"## Partial Kendall correlation given CIFAR-10 accuracy ({len(common)} architectures)", "",
                  "| | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
        for i, a in enumerate(names):
            lines.append(f"| {a} | " + " | ".join(f"{matrix[i][j]:.2f}" for j in range(len(names))) + " |")
        lines.append("")
        lines.append("Paper Figure 1: " + ", ".join(
            f"{a}-{b} {v:.2f} (ours {matrix[names.index(a)][names.index(b)]:.2f})" for (a, b), v in PAPER_PARTIAL.items()
            if a in names and b in names))
        lines.append("")
    save_report("nb201_reproduction", rows, lines)


if __name__ == "__main__":
    main()
