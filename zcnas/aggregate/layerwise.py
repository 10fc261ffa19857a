"""Layer-wise aggregations of the paper's proxies (SNR, T-CET): pure float64 numpy functions.

Per-layer vectors are float64 [L] over the weight layers in registration order; stats are
``zcnas.ops.saliency_stats`` rows float64 [L, 6] (columns ``zcnas.ops.STAT_COLUMNS``).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

SUM_ABS, SUM, SUM_SQ, SUM_G2, SUM_T2, COUNT = range(6)

# Σs² − (Σ|s|)²/n below this fraction of Σs² is floating-point cancellation of a zero variance.
CANCELLATION = 1e-12


def layer_snr(stats) -> np.ndarray:
    """SNR_l = S_n / σ per layer, float64 [L].

    S_n = Σ|s|; σ = unbiased std of |s| from Σ|s|, Σs² and the count:
    σ² = (Σs² − (Σ|s|)²/n) / (n − 1). SNR_l = S_n where σ is 0 or not finite (one-element and empty
    layers, constant |s|, zero gradients). A numerator below 1e-12·Σs² is taken as 0 (it is the
    rounding error of an exactly constant |s|, not a spread).
    """
    stats = np.asarray(stats, dtype=np.float64).reshape(-1, 6)
    s_n, sum_sq, n = stats[:, SUM_ABS], stats[:, SUM_SQ], stats[:, COUNT]
    with np.errstate(all="ignore"):
        num = sum_sq - s_n * s_n / n
        num = np.where(num <= CANCELLATION * sum_sq, 0.0, num)
        sigma = np.sqrt(num / (n - 1))
        snr = s_n / sigma
    ok = np.isfinite(sigma) & (sigma > 0)
    return np.where(ok, snr, s_n)


def _log_terms(snr) -> np.ndarray:
    """log SNR_l where SNR_l > 0 and finite, NaN elsewhere (excluded layers)."""
    snr = np.asarray(snr, dtype=np.float64)
    keep = np.isfinite(snr) & (snr > 0)
    return np.where(keep, np.log(np.where(keep, snr, 1.0)), np.nan)


def snr_score(snr) -> float:
    """Σ_l SNR_l (non-finite if any SNR_l is)."""
    return float(np.sum(np.asarray(snr, dtype=np.float64)))


def snr_log_score(snr) -> float:
    """Σ_l log SNR_l over the layers with SNR_l > 0 and finite (0 when there is none)."""
    return float(np.nansum(_log_terms(snr)))


def _paired(a, b) -> tuple[np.ndarray, np.ndarray]:
    """Two per-layer vectors as aligned arrays: mappings are paired by key (module name/identity)."""
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        if not (isinstance(a, Mapping) and isinstance(b, Mapping)):
            raise TypeError("pair two mappings (layer → value) or two arrays, not one of each")
        if set(a) != set(b):
            raise ValueError(f"layers differ: only in the first {sorted(map(str, set(a) - set(b)))}, "
                             f"only in the second {sorted(map(str, set(b) - set(a)))}")
        keys = list(a)
        return (np.array([a[k] for k in keys], dtype=np.float64),
                np.array([b[k] for k in keys], dtype=np.float64))
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"per-layer vectors differ in shape: {a.shape} and {b.shape}")
    return a, b


def tcet_terms(snr, lnwot) -> np.ndarray:
    """SNR_l · Lnwot_l per layer (mappings are paired by key, in the first mapping's order)."""
    s, k = _paired(snr, lnwot)
    return s * k


def tcet(snr, lnwot) -> float:
    """T-CET = Σ_l SNR_l · Lnwot_l (the layer-wise dot product)."""
    return float(np.sum(tcet_terms(snr, lnwot)))


def tcet_log_terms(snr, lnwot) -> np.ndarray:
    """log(SNR_l) · Lnwot_l per layer, NaN where SNR_l is not > 0 and finite (excluded)."""
    s, k = _paired(snr, lnwot)
    return _log_terms(s) * k


def tcet_log(snr, lnwot) -> float:
    """Σ_l log(SNR_l) · Lnwot_l over the layers with SNR_l > 0 and finite."""
    return float(np.nansum(tcet_log_terms(snr, lnwot)))
