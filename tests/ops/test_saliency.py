"""saliency_stats: every backend equals the float64 reference within zcnas.testing tolerances."""
import math

import pytest
import torch

from conftest import backend_params, cpp_isas
from zcnas.errors import UserError
from zcnas.ops import STAT_COLUMNS, reference, saliency_stats
from zcnas.ops.saliency import _cpp_saliency
from zcnas.testing import TOLERANCES

TOL = TOLERANCES["float64_sum"]


def _inputs(sizes, dtype, seed):
    g = torch.Generator().manual_seed(seed)
    total = sum(sizes)
    theta = torch.randn(total, generator=g, dtype=torch.float64).to(dtype)
    grad = (torch.randn(total, generator=g, dtype=torch.float64) * 1e-3).to(dtype)
    offsets = torch.tensor([0] + list(sizes), dtype=torch.int64).cumsum(0)
    return theta, grad, offsets


# Empty segments, one-element segments, primes, and one segment spanning several 32768-element pieces.
SEGMENTS = [[], [1], [0], [0, 0], [1, 0, 3], [7, 0, 1, 0, 13, 1, 0], [101, 997, 1, 65537, 0], [3 * 9 * 16, 16, 16, 9]]


@pytest.mark.parametrize("backend", backend_params())
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("sizes", SEGMENTS, ids=str)
def test_saliency_equals_reference(backend, dtype, sizes, device):
    theta, grad, offsets = _inputs(sizes, dtype, seed=len(sizes) + sum(sizes))
    dev = device if backend == "triton" else torch.device("cpu")
    got = saliency_stats(theta.to(dev), grad.to(dev), offsets.to(dev), backend=backend).cpu()
    want = reference.saliency_stats(theta, grad, offsets)
    assert got.dtype == torch.float64 and got.shape == (len(sizes), len(STAT_COLUMNS))
    torch.testing.assert_close(got, want, **TOL)
    assert torch.equal(got[:, 5], offsets.diff().to(torch.float64))


@pytest.mark.parametrize("backend", backend_params())
def test_saliency_layouts_dtypes_edges(backend, device):
    dev = device if backend == "triton" else torch.device("cpu")
    g = torch.Generator().manual_seed(11)
    weight = torch.randn(16, 3, 3, 3, generator=g)
    grad = torch.randn(3, 16, 3, 3, generator=g).transpose(0, 1)  # non-contiguous
    offsets = torch.tensor([0, 100, 100, 432])
    cases = [
        (weight, grad),  # non-contiguous grad
        (weight.double(), grad),  # mixed float32 / float64
        (weight.half(), grad.half()),  # narrow floats are widened
        (torch.zeros(432), -torch.zeros(432)),  # zeros and negative zeros
        (torch.ones(432), torch.full((432,), 3.0)),  # all positive
    ]
    for t, gr in cases:
        got = saliency_stats(t.to(dev), gr.to(dev), offsets.to(dev), backend=backend).cpu()
        torch.testing.assert_close(got, reference.saliency_stats(t, gr, offsets), **TOL)


@pytest.mark.parametrize("isa", ["avx512", "baseline"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_saliency_cpp_isa_error_vs_exact(isa, dtype):
    # The kernel's error against the exactly rounded float64 sums is at most twice the reference's.
    if not cpp_isas():
        pytest.skip("zcnas._C not built")
    if isa == "avx512" and "avx512" not in cpp_isas():
        pytest.skip("AVX-512 not available on this CPU/build")
    theta, grad, offsets = _inputs([5, 70001, 1, 0, 40000], dtype, seed=3)
    got = _cpp_saliency(theta, grad, offsets, isa)
    want = reference.saliency_stats(theta, grad, offsets)
    t, gr = theta.double(), grad.double()
    s = t * gr
    for i in range(offsets.numel() - 1):
        lo, hi = int(offsets[i]), int(offsets[i + 1])
        cols = (s[lo:hi].abs(), s[lo:hi], s[lo:hi] * s[lo:hi], gr[lo:hi] * gr[lo:hi], t[lo:hi] * t[lo:hi])
        for c, values in enumerate(cols):
            exact = math.fsum(values.tolist())
            err_ref = abs(float(want[i, c]) - exact)
            err_got = abs(float(got[i, c]) - exact)
            assert err_got <= 2 * err_ref + 4 * math.ulp(abs(exact) + 1e-300), (isa, i, STAT_COLUMNS[c])


def test_saliency_bad_inputs():
    with pytest.raises(UserError, match="same number of elements"):
        saliency_stats(torch.ones(3), torch.ones(4), torch.tensor([0, 3]))
    with pytest.raises(UserError, match="non-decreasing from 0 to T"):
        saliency_stats(torch.ones(3), torch.ones(3), torch.tensor([0, 2]))
    with pytest.raises(UserError, match="non-decreasing from 0 to T"):
        saliency_stats(torch.ones(3), torch.ones(3), torch.tensor([0, 2, 1, 3]))
