"""Why do seven NB201 Table 2 cells miss? Two experiments that separate population, seed and definition.

1. population: the whole space. synflow (its input is ones(1, ...), so the minibatch plays no part),
   and params (a deterministic control) on all 15,625 architecture strings of each dataset; tau on
   the whole space against tau on the committed 1,000-string sample. params is also counted on every
   string's own network (no class deduplication), because members of one class can differ in the
   parameters of operations that no path uses.
2. seeds: the missed proxies, per dataset where they missed, rescored on the first --subset strings of
   the committed sample with run seeds 1..--seeds (a new minibatch draw and new initial weights each);
   seed 0 comes from the reproduction run. The spread of tau over seeds on the same architectures is the
   part of the gap that a different minibatch and initialisation alone can move.
3. batches: the same missed proxies (not synflow: it sees no data) on the same strings with seed 0 and
   the `natural-patches` source (64 different real photo crops per batch, against the 20 CIFAR images
   behind every `cifar-sample` batch): does a more varied minibatch move tau towards the paper?
4. ground truth: tau of the missed cells against the benchmark's validation accuracy instead of test
   accuracy (on CIFAR-10 the cifar10-valid split, a network trained on the training half only), on the
   whole space where it was scored and on the 1,000-string sample (seed 0). No scoring.

Writes benchmarks/results/nb201_misses.{md,csv}. Scores are stored under --out and resume.

    python benchmarks/diagnose_nb201_misses.py --subset 150 --seeds 3
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import RESULTS, environment, save_report  # noqa: E402
from reproduce_nb201 import DATASETS, PAPER_TAU, correlation  # noqa: E402

import zcnas  # noqa: E402
from zcnas.data.truth import load_truth  # noqa: E402
from zcnas.paths import data_file  # noqa: E402
from zcnas.runner import score_space  # noqa: E402
from zcnas.spaces import get_space  # noqa: E402
from zcnas.spaces.nb201 import has_unreachable_ops  # noqa: E402
from zcnas.store import scores_by_proxy  # noqa: E402

SAMPLE = RESULTS / "nb201_sample_1000_seed0.txt"
# The Table 2 cells outside +-0.04 in nb201_reproduction.md, by dataset.
MISSED = {
    "cifar10": ("synflow", "zico"),
    "cifar100": ("grasp", "zico", "lnwot"),
    "ImageNet16-120": ("grasp", "tcet_synflow"),
}
VALIDATION = {"cifar10": "val_acc_cifar10valid", "cifar100": "val_acc_cifar100",
              "ImageNet16-120": "val_acc_ImageNet16-120"}
WHOLE_SPACE = ("synflow", "params")  # no minibatch forward: cheap enough for 15,625 strings


def own_params(out: Path, dataset: str) -> dict[str, float]:
    """Parameters (millions) of every string's own network, cached under out."""
    path = out / f"own_params_{dataset}.json"
    if not path.exists():
        space = get_space("nb201")
        counts = {a: sum(p.numel() for p in space.build(a, dataset).parameters()) / 1e6 for a in space.all()}
        path.write_text(json.dumps(counts))
    return json.loads(path.read_text())


def data_dependent(dataset: str) -> list[str]:
    return [p for p in MISSED[dataset] if p != "synflow"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("population", "seeds", "batches", "all"), default="all")
    parser.add_argument("--subset", type=int, default=150, help="leading strings of the committed sample")
    parser.add_argument("--seeds", type=int, default=3, help="extra run seeds 1..N")
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--repro", default="results/repro", help="the reproduction run's results (seed 0)")
    parser.add_argument("--out", default="results/diagnose")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    if data_file("nb201/nb201_ground_truth.csv") is None:
        raise SystemExit("the NB201 ground truth is needed: set ZCNAS_DATA")
    datasets = args.datasets.split(",")
    out = Path(args.out)
    subset = out / f"subset_{args.subset}.txt"
    subset.parent.mkdir(parents=True, exist_ok=True)
    subset.write_text("\n".join(SAMPLE.read_text().split()[: args.subset]) + "\n")
    if not args.report_only:
        for dataset in datasets:
            if args.part in ("population", "all"):
                where = out / "space" / dataset
                print(f"whole space, {dataset} -> {where}", flush=True)
                score_space("nb201", list(WHOLE_SPACE), archs="all", dataset=dataset, data="cifar-sample",
                            batch_size=64, seed=0, out=where, resume=where.exists())
                own_params(out, dataset)
            if args.part in ("batches", "all"):
                where = out / "batches" / dataset / "natural-patches"
                print(f"natural-patches, {dataset} -> {where}", flush=True)
                score_space("nb201", data_dependent(dataset), archs=f"file:{subset}", dataset=dataset,
                            data="natural-patches", batch_size=64, seed=0, out=where, resume=where.exists())
            if args.part in ("seeds", "all"):
                for seed in range(1, args.seeds + 1):
                    where = out / "seeds" / dataset / f"seed{seed}"
                    print(f"seed {seed}, {dataset} -> {where}", flush=True)
                    score_space("nb201", list(MISSED[dataset]), archs=f"file:{subset}", dataset=dataset,
                                data="cifar-sample", batch_size=64, seed=seed, out=where, resume=where.exists())
    report(args, datasets, out, subset)


def markdown_section(title: str, header: list[str], body: list[list[str]]) -> list[str]:
    """A Markdown heading and table, then a blank line."""
    return [title, "", "| " + " | ".join(header) + " |", "|---" * len(header) + "|",
            *("| " + " | ".join(cells) + " |" for cells in body), ""]


def report(args, datasets, out: Path, subset: Path) -> None:
    truth_csv = data_file("nb201/nb201_ground_truth.csv")
    sample = SAMPLE.read_text().split()
    sub = subset.read_text().split()
    env = environment()
    rows = []
    lines = [f"# Diagnosing the NB201 Table 2 misses ({env['date']}, git {env['git_sha']})", "",
             f"Command: `python benchmarks/diagnose_nb201_misses.py --subset {args.subset} --seeds {args.seeds}`", ""]
    space_rows, seed_rows, batch_rows, truth_rows = [], [], [], []
    for dataset in datasets:
        truth = load_truth(truth_csv, f"test_acc_{dataset}").values
        validation = load_truth(truth_csv, VALIDATION[dataset]).values
        paper = {p: v[DATASETS.index(dataset)] for p, v in PAPER_TAU.items()}
        where = out / "space" / dataset
        if where.exists():
            scores = {("params (class value)" if p == "params" else p): v
                      for p, v in scores_by_proxy(zcnas.load_results(where)).items()}
            if (out / f"own_params_{dataset}.json").exists():
                scores["params (own network)"] = own_params(out, dataset)
            everything = sorted(truth)
            reachable = [a for a in everything if not has_unreachable_ops(a)]
            for proxy in scores:
                whole, rho_whole, n = correlation(scores[proxy], truth, everything)
                sampled, _, _ = correlation(scores[proxy], truth, sample)
                tau_reach, rho_reach, _ = correlation(scores[proxy], truth, reachable)
                row = {"experiment": "population", "dataset": dataset, "proxy": proxy, "n": n,
                       "tau_whole_space": whole, "tau_sample_1000": sampled, "rho_whole_space": rho_whole,
                       "tau_reachable": tau_reach, "rho_reachable": rho_reach, "paper_tau": paper[proxy.split()[0]]}
                rows.append(row)
                space_rows.append(row)
                if proxy in MISSED[dataset]:
                    truth_rows.append({"experiment": "ground truth", "dataset": dataset, "proxy": proxy,
                                       "population": "whole space", "n": n, "tau_test": whole,
                                       "tau_validation": correlation(scores[proxy], validation, everything)[0],
                                       "paper_tau": paper[proxy]})
        seed0 = Path(args.repro) / dataset
        sampled = scores_by_proxy(zcnas.load_results(seed0)) if seed0.exists() else None
        if sampled is not None:
            for proxy in MISSED[dataset]:
                truth_rows.append({"experiment": "ground truth", "dataset": dataset, "proxy": proxy,
                                   "population": "1,000 sample", "n": len(sample),
                                   "tau_test": correlation(sampled[proxy], truth, sample)[0],
                                   "tau_validation": correlation(sampled[proxy], validation, sample)[0],
                                   "paper_tau": paper[proxy]})
        seed_dirs = sorted((out / "seeds" / dataset).glob("seed*")) if (out / "seeds" / dataset).exists() else []
        if seed_dirs and sampled is not None:
            per_seed = [sampled] + [scores_by_proxy(zcnas.load_results(d)) for d in seed_dirs]
            for proxy in MISSED[dataset]:
                taus = [correlation(s[proxy], truth, sub)[0] for s in per_seed if proxy in s]
                row = {"experiment": "seeds", "dataset": dataset, "proxy": proxy, "n": len(sub),
                       "seeds": len(taus), "tau_per_seed": " ".join(f"{t:.3f}" for t in taus),
                       "tau_seed_mean": statistics.mean(taus), "tau_seed_sd": statistics.stdev(taus),
                       "tau_sample_1000_seed0": correlation(sampled[proxy], truth, sample)[0],
                       "paper_tau": paper[proxy]}
                rows.append(row)
                seed_rows.append(row)
        patches = out / "batches" / dataset / "natural-patches"
        if patches.exists() and sampled is not None:
            natural = scores_by_proxy(zcnas.load_results(patches))
            for proxy in [p for p in data_dependent(dataset) if p in natural]:
                row = {"experiment": "batches", "dataset": dataset, "proxy": proxy, "n": len(sub),
                       "tau_cifar_sample": correlation(sampled[proxy], truth, sub)[0],
                       "tau_natural_patches": correlation(natural[proxy], truth, sub)[0],
                       "paper_tau": paper[proxy]}
                rows.append(row)
                batch_rows.append(row)
    f3 = "{:.3f}".format
    if space_rows:
        lines += markdown_section(
            "## 1. Population: whole space (15,625 strings) against the 1,000-string sample",
            ["dataset", "proxy", "tau, whole space", "tau, sample", "paper", "rho, whole space",
             "tau / rho, 9,445 without unreachable ops"],
            [[r["dataset"], r["proxy"], f3(r["tau_whole_space"]), f3(r["tau_sample_1000"]), f"{r['paper_tau']:.2f}",
              f3(r["rho_whole_space"]), f"{f3(r['tau_reachable'])} / {f3(r['rho_reachable'])}"] for r in space_rows])
    if seed_rows:
        lines += markdown_section(
            f"## 2. Seeds: tau on the first {len(sub)} sampled strings, run seeds 0..{args.seeds}",
            ["dataset", "proxy", "tau per seed", "mean", "sd", "tau, 1,000 strings, seed 0", "paper"],
            [[r["dataset"], r["proxy"], r["tau_per_seed"], f3(r["tau_seed_mean"]), f3(r["tau_seed_sd"]),
              f3(r["tau_sample_1000_seed0"]), f"{r['paper_tau']:.2f}"] for r in seed_rows])
    if batch_rows:
        lines += markdown_section(
            f"## 3. Batches: tau on the first {len(sub)} sampled strings, seed 0, two minibatch sources",
            ["dataset", "proxy", "cifar-sample (20 images)", "natural-patches (64 crops)", "paper"],
            [[r["dataset"], r["proxy"], f3(r["tau_cifar_sample"]), f3(r["tau_natural_patches"]),
              f"{r['paper_tau']:.2f}"] for r in batch_rows])
    if truth_rows:
        rows += truth_rows
        ordered = sorted(truth_rows, key=lambda r: (DATASETS.index(r["dataset"]), r["proxy"], r["population"]))
        lines += markdown_section(
            "## 4. Ground truth: test against validation accuracy (seed 0)",
            ["dataset", "proxy", "population", "tau, test accuracy", "tau, validation accuracy", "paper"],
            [[r["dataset"], r["proxy"], r["population"], f3(r["tau_test"]), f3(r["tau_validation"]),
              f"{r['paper_tau']:.2f}"] for r in ordered])
    save_report("nb201_misses", rows, lines)


if __name__ == "__main__":
    main()
