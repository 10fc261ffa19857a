"""Aggregations: SNR from stats rows, T-CET, RankAve, partial Kendall correlation."""
import math

import numpy as np
import pytest
from scipy import stats

from zcnas.aggregate import (
    layer_snr, partial_correlation_matrix, rank_average, snr_log_score, snr_score, tcet, tcet_log,
)


def stats_rows(saliencies):
    """saliency_stats rows written out with numpy: Σ|s|, Σs, Σs², Σg², Σθ², count (g, θ unused: 0)."""
    return np.array([[np.abs(s).sum(), s.sum(), (s * s).sum(), 0.0, 0.0, s.size] for s in saliencies])


def test_snr_is_sum_over_unbiased_std():
    rng = np.random.default_rng(0)
    sal = [rng.normal(size=n) * rng.uniform(0.1, 10) for n in (2, 7, 64, 1000)]
    expected = [np.abs(s).sum() / np.abs(s).std(ddof=1) for s in sal]
    np.testing.assert_allclose(layer_snr(stats_rows(sal)), expected, rtol=1e-9)
    assert snr_score(expected) == pytest.approx(sum(expected))


def test_snr_degenerate_layers_fall_back_to_the_sum():
    sal = [np.array([-3.0]), np.full(10, 0.25), np.zeros(5), np.zeros(0), np.array([2.0, -2.0, 2.0])]
    np.testing.assert_array_equal(layer_snr(stats_rows(sal)), [3.0, 2.5, 0.0, 0.0, 6.0])


def test_snr_log_skips_non_positive_and_non_finite():
    snr = np.array([math.e, 0.0, np.inf, 1.0, math.e ** 2, np.nan])
    assert snr_log_score(snr) == pytest.approx(3.0)
    assert snr_log_score([0.0, 0.0]) == 0.0


def test_tcet_dot_product_and_pairing_by_key():
    snr, lnwot = np.array([2.0, 3.0, 0.5]), np.array([10.0, 0.0, 4.0])
    assert tcet(snr, lnwot) == pytest.approx(float(snr @ lnwot))
    assert tcet_log(snr, lnwot) == pytest.approx(math.log(2) * 10 + math.log(0.5) * 4)
    a = {"conv1": 2.0, "conv2": 3.0, "fc": 0.5}
    b = {"fc": 4.0, "conv1": 10.0, "conv2": 0.0}  # another order: paired by key, not position
    assert tcet(a, b) == pytest.approx(2 * 10 + 0.5 * 4)
    with pytest.raises(ValueError, match="layers differ"):
        tcet(a, {"conv1": 1.0})
    with pytest.raises(ValueError, match="shape"):
        tcet([1.0, 2.0], [1.0])


def test_rank_average():
    scores = {"a": np.array([1.0, 5.0, 3.0]), "b": np.array([30.0, 10.0, 20.0]),
              "c": np.array([np.nan, 2.0, 1.0])}
    # ranks a: 1 3 2; b: 3 1 2; c: - 2 1
    np.testing.assert_allclose(rank_average(scores), [2.0, 2.0, 5 / 3])
    np.testing.assert_allclose(rank_average({"t": np.array([1.0, 1.0, 0.0])}), [2.5, 2.5, 1.0])
    assert np.isnan(rank_average({"x": np.array([np.nan, 1.0])})[0])


def test_partial_correlation_matrix_formula():
    rng = np.random.default_rng(1)
    z = rng.normal(size=40)
    x = z + rng.normal(size=40)
    y = z + 0.5 * rng.normal(size=40)
    y[3] = np.nan
    names, m = partial_correlation_matrix({"x": x, "y": y}, z)
    assert names == ["x", "y"]
    ok = np.isfinite(y)
    t = lambda a, b: stats.kendalltau(a[ok], b[ok]).statistic  # noqa: E731
    expected = (t(x, y) - t(x, z) * t(y, z)) / math.sqrt((1 - t(x, z) ** 2) * (1 - t(y, z) ** 2))
    assert m[0, 1] == pytest.approx(expected, rel=1e-12)
    assert m[1, 0] == m[0, 1]
    np.testing.assert_allclose(np.diag(m), 1.0)
    _, perfect = partial_correlation_matrix({"x": z, "y": y}, z)  # |ρ_XZ| = 1: undefined
    assert np.isnan(perfect[0, 1])
