"""hamming_gram: every backend (and every C++ ISA path) equals the reference exactly."""
import pytest
import torch

from conftest import backend_params, cpp_isas
from zcnas.errors import UserError
from zcnas.ops import hamming_gram, pack_signs, reference
from zcnas.ops.hamming import _cpp_hamming, _normalise

SIZES = [(1, 1, 1), (2, 3, 5), (1, 2, 1), (3, 17, 37), (2, 20, 9), (1, 7, 130)]


def _codes(a, n, w, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(-(2**63), 2**63 - 1, (a, n, w), dtype=torch.int64, generator=g)  # bit 63 too


def _segments(w, seed):
    """Word offsets with an empty segment, a one-word segment and a random cut (when W allows)."""
    g = torch.Generator().manual_seed(seed)
    cut = int(torch.randint(0, w + 1, (1,), generator=g))
    return torch.tensor(sorted([0, 0, min(1, w), cut, cut, w]), dtype=torch.int64)


@pytest.mark.parametrize("backend", backend_params())
@pytest.mark.parametrize("size", SIZES, ids=str)
def test_hamming_equals_reference(backend, size, device):
    a, n, w = size
    codes = _codes(a, n, w, seed=a * 100 + n * 10 + w)
    dev = device if backend == "triton" else torch.device("cpu")
    units = 64 * w - 3
    per_arch = torch.arange(a, dtype=torch.int64) + 64 * w
    seg = _segments(w, seed=w)
    seg_units = seg.diff() * 64
    assert torch.equal(hamming_gram(codes.to(dev), units, backend=backend).cpu(), reference.hamming_gram(codes, units))
    assert torch.equal(hamming_gram(codes.to(dev), per_arch, backend=backend).cpu(),
                       reference.hamming_gram(codes, per_arch))
    got = hamming_gram(codes.to(dev), seg_units, seg, backend=backend).cpu()
    assert got.shape == (a, seg.numel() - 1, n, n)
    assert torch.equal(got, reference.hamming_gram(codes, seg_units, seg))


@pytest.mark.parametrize("isa", ["avx512", "popcnt", "baseline"])
def test_hamming_cpp_isa_paths(isa):
    if isa not in cpp_isas():
        pytest.skip(f"isa {isa} not available on this CPU/build")
    # Word counts around the vector widths (2, 8) and the cache tile (256); N around the tiles (2, 4, 16).
    for seed, (a, n, w) in enumerate([(1, 1, 1), (2, 5, 7), (1, 16, 9), (2, 17, 263), (1, 33, 513), (3, 4, 2)]):
        codes = _codes(a, n, w, seed)
        for units, seg in ((64 * w, None), (None, _segments(w, seed))):
            if seg is not None:
                units = seg.diff() * 64 + 1
            units2, seg2 = _normalise(codes, units, seg)
            got = _cpp_hamming(codes, units2, seg2, isa)
            want = reference.hamming_gram(codes, units, seg)
            assert torch.equal(got if seg is not None else got[:, 0], want), (isa, a, n, w)


@pytest.mark.parametrize("backend", backend_params())
def test_hamming_of_packed_signs(backend, device):
    # From activations: K[i, i] = U, K symmetric, and per-layer K summed over layers = K of the
    # concatenated codes (nwot vs Lnwot) when units add up.
    g = torch.Generator().manual_seed(7)
    layers = [torch.randn(6, 3, 5, 5, generator=g), torch.relu(torch.randn(6, 70, generator=g))]
    codes = [pack_signs(x, backend="torch") for x in layers]
    units = torch.tensor([x[0].numel() for x in layers])
    words = torch.tensor([0] + [c.shape[1] for c in codes]).cumsum(0)
    stacked = torch.cat(codes, dim=1).unsqueeze(0)  # [1, N, W1 + W2]
    dev = device if backend == "triton" else torch.device("cpu")
    per_layer = hamming_gram(stacked.to(dev), units, words, backend=backend).cpu()
    whole = hamming_gram(stacked.to(dev), int(units.sum()), backend=backend).cpu()
    assert torch.equal(per_layer.sum(1), whole)
    assert torch.equal(whole[0].diagonal(), torch.full((6,), int(units.sum())))
    assert torch.equal(whole[0], whole[0].T)


def test_hamming_bad_inputs():
    codes = _codes(2, 3, 4, 0)
    with pytest.raises(UserError, match="codes must be int64"):
        hamming_gram(codes.float(), 10)
    with pytest.raises(UserError, match="units must be"):
        hamming_gram(codes, [1, 2, 3])
    with pytest.raises(UserError, match="non-decreasing"):
        hamming_gram(codes, [1, 2], torch.tensor([0, 3, 2]))
    # segments given as a list work on every backend, including the torch reference
    assert torch.equal(hamming_gram(codes, [64, 192], [0, 1, 4], backend="torch"),
                       hamming_gram(codes, [64, 192], [0, 1, 4], backend="auto"))
