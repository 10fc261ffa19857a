"""Across-architecture analyses: rank average of proxies, partial Kendall correlations."""
from __future__ import annotations

from typing import Mapping

import numpy as np
from scipy import stats


def _ranks(values) -> np.ndarray:
    """Average ranks (1 = lowest score) over the finite entries; NaN where the value is not finite."""
    v = np.asarray(values, dtype=np.float64)
    out = np.full(v.shape, np.nan)
    ok = np.isfinite(v)
    out[ok] = stats.rankdata(v[ok])
    return out


def rank_average(scores: Mapping[str, np.ndarray]) -> np.ndarray:
    """RankAve: per architecture, the mean of its ranks under each proxy (higher = predicted better).

    scores: proxy name → float [A] over the same A architectures. Ranks are taken among the finite
    values of each proxy (ties share their average rank); a NaN score gives no rank and the mean is
    over the proxies that ranked the architecture (NaN if none did). Returns float64 [A].
    """
    if not scores:
        raise ValueError("rank_average needs at least one proxy")
    ranks = np.stack([_ranks(v) for v in scores.values()])
    count = np.isfinite(ranks).sum(0)
    total = np.nansum(ranks, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def kendall(a, b) -> float:
    """Kendall τ-b over the pairs where both are finite (NaN with fewer than two such pairs)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 2:
        return float("nan")
    return float(stats.kendalltau(a[ok], b[ok]).statistic)


def partial_correlation_matrix(scores: Mapping[str, np.ndarray], accuracy) -> tuple[list[str], np.ndarray]:
    """Partial Kendall correlation of every pair of proxies X, Y given accuracy Z.

    ρ_XY·Z = (ρ_XY − ρ_XZ ρ_YZ) / √((1 − ρ_XZ²)(1 − ρ_YZ²)), every ρ a Kendall τ-b computed on the
    architectures where X, Y and Z are all finite. Returns (names, float64 [P, P]); an entry is NaN
    where the denominator is 0 or fewer than two architectures are usable (the diagonal is 1 unless
    |ρ_XZ| = 1).
    """
    names = list(scores)
    z = np.asarray(accuracy, dtype=np.float64)
    vecs = [np.asarray(scores[n], dtype=np.float64) for n in names]
    m = np.full((len(names), len(names)), np.nan)
    for i, x in enumerate(vecs):
        for j, y in enumerate(vecs):
            if j < i:
                m[i, j] = m[j, i]
                continue
            ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(z)
            rxy = kendall(x[ok], y[ok]) if i != j else 1.0
            rxz, ryz = kendall(x[ok], z[ok]), kendall(y[ok], z[ok])
            den = np.sqrt((1 - rxz * rxz) * (1 - ryz * ryz))
            m[i, j] = (rxy - rxz * ryz) / den if den > 0 else np.nan
    return names, m
