"""Command line: ``zcnas score | evaluate | demo | list``. Thin: parses arguments and calls the library.

User errors print one line (``zcnas: error: ...``) and exit with status 2, without a traceback.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path

from zcnas.errors import UserError

DEMO_PROXIES = "nwot,synflow,snip,params,flops"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except UserError as err:
        print(f"zcnas: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zcnas: interrupted; finished results are saved, rerun with --resume to continue", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zcnas", description="Zero-cost NAS: score, evaluate, demo.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)

    score = sub.add_parser("score", help="score architectures of a search space with zero-cost proxies")
    _add_run_arguments(score)
    score.add_argument("--out", required=True, help="results folder (Parquet shards)")
    score.add_argument("--resume", action="store_true", help="continue a run in --out, skipping finished work")
    score.set_defaults(func=_cmd_score)

    evaluate = sub.add_parser("evaluate", help="rank correlations of stored scores against ground truth")
    evaluate.add_argument("results", help="results folder written by 'zcnas score'")
    evaluate.add_argument("--truth", default="auto",
                          help="ground-truth table: NB201 CSV, NAS-Bench-Suite-Zero JSON, 'embedded' "
                               "(analog-nasbench) or 'auto' (the shared CSV, else embedded)")
    evaluate.add_argument("--metric", default=None, help="ground-truth column, e.g. test_acc_cifar10")
    evaluate.add_argument("--json", action="store_true", help="print JSON instead of a table")
    evaluate.set_defaults(func=_cmd_evaluate)

    demo = sub.add_parser("demo", help="score a few hundred NB201 architectures and evaluate them")
    demo.add_argument("--archs", default="sample:300", help="which architectures (default: sample:300)")
    demo.add_argument("--proxies", default=DEMO_PROXIES, help=f"comma-separated (default: {DEMO_PROXIES})")
    demo.add_argument("--out", default=None, help="results folder (default: a new temporary folder)")
    demo.set_defaults(func=_cmd_demo)

    lister = sub.add_parser("list", help="list the search spaces, datasets and proxies")
    lister.set_defaults(func=_cmd_list)
    return parser


def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--space", default="nb201", help="search space (default: nb201)")
    parser.add_argument("--proxies", required=True, help="comma-separated proxy names ('zcnas list')")
    parser.add_argument("--archs", default="all", help="'all', 'sample:N' or 'file:PATH' (default: all)")
    parser.add_argument("--dataset", default="cifar10", help="cifar10 | cifar100 | ImageNet16-120")
    parser.add_argument("--data", default="synthetic",
                        help="minibatch source: synthetic | cifar-sample | natural-patches | path to cifar-10-batches-py or cifar-100-python")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk-size", type=int, default=25, help="architectures per stored shard")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _split(names: str) -> list[str]:
    return [name.strip() for name in names.split(",") if name.strip()]


def _cmd_score(args) -> int:
    from zcnas.runner import score_space

    summary = score_space(
        space=args.space, proxies=_split(args.proxies), archs=args.archs, dataset=args.dataset,
        data=args.data, batch_size=args.batch_size, seed=args.seed, out=args.out, resume=args.resume,
        chunk_size=args.chunk_size, progress=not args.no_progress,
    )
    _print_summary(summary)
    return 0


def _print_summary(summary) -> None:
    print(f"{summary.requested} architectures in {summary.classes} canonical classes; "
          f"scored {summary.scored} models in {summary.seconds:.1f} s "
          f"({summary.models_per_second:.2f} models/s)"
          + (f"; {summary.skipped} classes already done" if summary.skipped else ""))
    for proxy, count in sorted(summary.failures.items()):
        print(f"  {proxy}: {count} rows recorded as NaN with an error (see the 'error' column)")
    print(f"results: {summary.out}")


def _load_truth(spec: str, metric: str | None, dataset: str):
    from zcnas.data.truth import embedded_truth, find_default_truth, load_truth

    if spec == "embedded":
        return embedded_truth()
    if spec == "auto":
        return find_default_truth("nb201", dataset)
    return load_truth(spec, metric)


def _cmd_evaluate(args) -> int:
    from zcnas import load_results
    from zcnas.evaluate import evaluate, format_report

    table = load_results(args.results)
    datasets = set(table.column("dataset").to_pylist()) if table.num_rows else {"cifar10"}
    truth = _load_truth(args.truth, args.metric, sorted(datasets)[0])
    if truth is None:
        raise UserError("no ground truth found: pass --truth PATH, or install the 'truth' extra for --truth embedded")
    rows = evaluate(table, truth)
    if args.json:
        print(json.dumps({"truth": truth.description, "metric": truth.metric, "proxies": rows}, indent=2))
    else:
        print(f"ground truth: {truth.description} ({truth.metric})")
        print(format_report(rows))
    return 0


def _cmd_demo(args) -> int:
    from zcnas import load_results
    from zcnas.data.truth import find_default_truth
    from zcnas.evaluate import evaluate, format_report
    from zcnas.paths import data_file
    from zcnas.runner import score_space

    data = "cifar-sample" if data_file("images/cifar_sample.npz") else "synthetic"
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="zcnas-demo-"))
    proxies = _split(args.proxies)
    print(f"demo: NB201, {args.archs}, proxies {', '.join(proxies)}, CIFAR-10, batch 64, data {data}, CPU")
    summary = score_space(space="nb201", proxies=proxies, archs=args.archs, dataset="cifar10", data=data,
                          batch_size=64, seed=0, out=out, resume=args.out is not None)
    table = load_results(out)
    truth = find_default_truth("nb201", "cifar10")
    print()
    print(_top_table(table, proxies, truth))
    print()
    _print_summary(summary)
    if summary.seconds > 0:
        print(f"throughput: {summary.models_per_second:.2f} models/s, "
              f"{summary.requested / summary.seconds:.2f} architectures/s counting class members")
    if truth is None:
        print("no ground truth found (set ZCNAS_DATA or install the 'truth' extra): correlations skipped")
    else:
        print(f"\nrank correlations against {truth.description} ({truth.metric}):")
        print(format_report(evaluate(table, truth)))
    return 0


def _top_table(table, proxies: list[str], truth, top: int = 10) -> str:
    """The top architectures by the first proxy, with every proxy's value and the true accuracy."""
    from zcnas.store import scores_by_proxy

    scores = scores_by_proxy(table)
    lead = proxies[0]
    ranked = sorted((a for a, v in scores.get(lead, {}).items() if v == v),  # drop NaN
                    key=lambda a: scores[lead][a], reverse=True)[:top]
    header = ["rank", "architecture"] + proxies + (["accuracy"] if truth else [])
    lines = [header]
    for rank, arch in enumerate(ranked, 1):
        cells = [str(rank), arch] + [f"{scores.get(p, {}).get(arch, float('nan')):.4g}" for p in proxies]
        if truth:
            acc = truth.values.get(arch)
            cells.append("-" if acc is None else f"{acc:.2f}")
        lines.append(cells)
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    title = f"top {len(ranked)} architectures by {lead}:"
    return "\n".join([title] + ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in lines])


def _cmd_list(args) -> int:
    from zcnas.proxies import available
    from zcnas.spaces import available as spaces, get_space

    for name in spaces():
        print(f"space {name}: datasets {', '.join(get_space(name).datasets)}")
    print("proxies: " + ", ".join(available()))
    print("data sources: synthetic, cifar-sample, natural-patches, or a path to cifar-10-batches-py / cifar-100-python")
    return 0


if __name__ == "__main__":
    sys.exit(main())
