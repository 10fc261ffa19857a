"""Correlation report of proxy scores against a ground truth.

Per proxy, over the result rows (optionally restricted by ``archs``):

- ``scored``: distinct architectures with a row for the proxy;
- ``missing``: scored architectures absent from the ground truth;
- ``nan``: scored architectures in the ground truth whose value is not finite (failed or NaN/inf);
- ``n``: architectures in the ground truth with a finite value: everything below is computed on these;
- ``kendall_tau``, ``spearman_rho``: scipy.stats (tau-b), sign kept (higher score = predicted better);
  None when n < 2 or a side is constant;
- ``top<k>``: |top-k by proxy ∩ top-k by truth| / k among the n evaluated architectures (ties broken by
  arch string), None when n < k.

Rows are plain dicts of str/int/float/None (JSON-serialisable, for ``--json``).
"""
from __future__ import annotations

import math
import warnings
from typing import Callable, Iterable

import numpy as np
import pyarrow as pa
from scipy import stats

from zcnas.data.truth import Truth
from zcnas.store import scores_by_proxy


ArchFilter = Callable[[str], bool] | Iterable[str] | None


def _accept(archs: ArchFilter) -> Callable[[str], bool]:
    if archs is None:
        return lambda arch: True
    if callable(archs):
        return archs
    allowed = frozenset(archs)
    return allowed.__contains__


def _correlation(fn, x: np.ndarray, y: np.ndarray) -> float | None:
    if len(x) < 2 or np.all(x == x[0]) or np.all(y == y[0]):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(fn(x, y).statistic)
    return value if math.isfinite(value) else None


def _top(archs: list[str], values: np.ndarray, k: int) -> set[str]:
    """The k archs with the highest values (ties broken by arch string, ascending)."""
    order = sorted(range(len(archs)), key=lambda i: (-values[i], archs[i]))
    return {archs[i] for i in order[:k]}


def evaluate(
    table: pa.Table, truth: Truth, top_k: Iterable[int] = (10, 50, 100), archs: ArchFilter = None
) -> list[dict]:
    """One report row per proxy (in order of first appearance in ``table``); see the module docstring.

    table: results with at least the columns arch, proxy, value; archs: a predicate or a set of arch
    strings restricting the evaluation.
    """
    accept = _accept(archs)
    top_k = tuple(int(k) for k in top_k)
    proxies = {proxy: {a: v for a, v in scores.items() if accept(a)}
               for proxy, scores in scores_by_proxy(table).items()}
    rows = []
    for proxy, scores in proxies.items():
        missing = sum(1 for a in scores if a not in truth.values)
        nan = sum(1 for a, v in scores.items() if a in truth.values and not math.isfinite(v))
        kept = [a for a, v in scores.items() if a in truth.values and math.isfinite(v)]
        x = np.array([scores[a] for a in kept], dtype=np.float64)
        y = np.array([truth.values[a] for a in kept], dtype=np.float64)
        row = {
            "proxy": proxy,
            "metric": truth.metric,
            "scored": len(scores),
            "n": len(kept),
            "missing": missing,
            "nan": nan,
            "kendall_tau": _correlation(stats.kendalltau, x, y),
            "spearman_rho": _correlation(stats.spearmanr, x, y),
        }
        for k in top_k:
            if k < 1 or k > len(kept):
                row[f"top{k}"] = None
            else:
                row[f"top{k}"] = len(_top(kept, x, k) & _top(kept, y, k)) / k
        rows.append(row)
    return rows


def format_report(rows: list[dict]) -> str:
    """A plain aligned text table of :func:`evaluate` rows (floats to 3 decimals, None as '-')."""
    if not rows:
        return "no results"
    columns = [c for c in rows[0] if c != "metric"]
    header = {"kendall_tau": "tau", "spearman_rho": "rho"}

    def cell(value) -> str:
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.3f}"
        return str(value)

    table = [[header.get(c, c) for c in columns]] + [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    lines = []
    for line in table:
        parts = [line[0].ljust(widths[0])] + [v.rjust(w) for v, w in zip(line[1:], widths[1:])]
        lines.append("  ".join(parts).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return f"ground truth metric: {rows[0]['metric']}\n" + "\n".join(lines)
