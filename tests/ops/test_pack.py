"""pack_signs: every backend equals the torch reference bit for bit, over layouts, dtypes, odd sizes."""
import pytest
import torch

from conftest import backend_params, cpp_isas
from zcnas.ops import pack_signs, reference
from zcnas.ops.pack import _cpp_pack

SHAPES = [(1, 1), (1, 63), (2, 64), (3, 65), (1, 3, 5, 7), (5, 3, 7, 11), (4, 16, 8, 8), (2, 13, 1, 1), (3, 2, 3, 5, 7)]


def _random(shape, dtype, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g, dtype=torch.float64).to(dtype)
    x[torch.rand(shape, generator=g) < 0.1] = 0.0  # exact zeros (ReLU outputs)
    return x


def _layouts(x):
    """The layouts a forward hook may hand over: contiguous, channels_last, sliced, transposed."""
    yield "contiguous", x
    if x.dim() == 4:
        yield "channels_last", x.contiguous(memory_format=torch.channels_last)
    if x.dim() == 5:
        yield "channels_last_3d", x.contiguous(memory_format=torch.channels_last_3d)
    if x.dim() >= 3:
        yield "transposed", x.transpose(-1, -2)
        yield "sliced", x[..., ::2]
    yield "sample_stride", torch.cat([x, x], dim=0)[::2]
    yield "channels_first_permuted", x.movedim(-1, 1) if x.dim() >= 3 else x


@pytest.mark.parametrize("backend", backend_params())
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_pack_equals_reference(backend, dtype, shape, device):
    x = _random(shape, dtype, seed=sum(shape))
    for name, view in _layouts(x):
        if backend == "triton":
            view = view.to(device)
        got = pack_signs(view, backend=backend).cpu()
        want = reference.pack_signs(view.cpu())
        assert got.dtype == torch.int64 and got.shape == want.shape, name
        assert torch.equal(got, want), f"{name} {tuple(view.shape)} {view.stride()}"


@pytest.mark.parametrize("backend", backend_params())
def test_pack_edge_values(backend, device):
    # zeros, negative zero, NaN and -inf give 0; tiny positives, +inf give 1; bit 63 is the sign bit.
    values = torch.tensor([0.0, -0.0, float("nan"), float("-inf"), 1e-45, float("inf"), -1.0, 2.0])
    x = values.repeat(3, 17)[:, :130].clone()  # 130 units: 3 words, the last with 2 used bits
    all_pos = torch.ones(2, 128)
    zeros = torch.zeros(1, 3, 7, 7).contiguous(memory_format=torch.channels_last)
    for t in (x, all_pos, zeros, -zeros):
        t = t.to(device) if backend == "triton" else t
        assert torch.equal(pack_signs(t, backend=backend).cpu(), reference.pack_signs(t.cpu()))
    assert (pack_signs(all_pos, backend="torch") == -1).all()  # every bit set, as two's complement


@pytest.mark.parametrize("backend", backend_params())
def test_pack_other_dtypes_and_empty(backend, device):
    x = _random((3, 70), torch.float32, seed=3)
    for dtype in (torch.float16, torch.bfloat16):
        t = x.to(dtype).to(device) if backend == "triton" else x.to(dtype)
        assert torch.equal(pack_signs(t, backend=backend).cpu(), reference.pack_signs(x.to(dtype)))
    empty = torch.zeros(0, 5, 3)
    empty = empty.to(device) if backend == "triton" else empty
    assert pack_signs(empty, backend=backend).shape == (0, 1)


@pytest.mark.parametrize("isa", ["baseline", "avx512"])
def test_pack_cpp_isa_paths(isa):
    if isa not in cpp_isas():
        pytest.skip(f"isa {isa} not available on this CPU/build")
    for seed, shape in enumerate([(2, 3, 13, 13), (3, 70, 8, 8), (1, 17, 5, 9), (2, 1000)]):
        for dtype in (torch.float32, torch.float64):
            x = _random(shape, dtype, seed)
            for _, view in _layouts(x):
                assert torch.equal(_cpp_pack(view, isa), reference.pack_signs(view))


@pytest.mark.skipif(not cpp_isas(), reason="zcnas._C not built")
def test_pack_cpp_reads_channels_last_in_place(monkeypatch):
    # The channels_last path must not go through .contiguous(): forbid it and pack.
    x = _random((2, 16, 9, 9), torch.float32, seed=5).contiguous(memory_format=torch.channels_last)
    want = reference.pack_signs(x)

    def no_copy(self, *args, **kwargs):
        raise AssertionError("pack_signs copied a channels_last input")

    monkeypatch.setattr(torch.Tensor, "contiguous", no_copy)
    assert torch.equal(pack_signs(x, backend="cpp"), want)


@pytest.mark.parametrize("backend", backend_params())
@pytest.mark.parametrize("shape", [(5, 3, 7, 11), (4, 16, 8, 8), (3, 2, 3, 5, 7)], ids=str)
def test_memory_order_packs_the_stride_sorted_permutation_and_keeps_the_gram(backend, shape, device):
    from zcnas.ops import hamming_gram

    x = _random(shape, torch.float32, seed=7).to(device)
    for name, y in _layouts(x):
        units = y[0].numel()
        dims = sorted(range(1, y.dim()), key=lambda d: -y.stride(d))
        codes = pack_signs(y, backend=backend, order="memory").cpu()
        assert torch.equal(codes, reference.pack_signs(y.permute(0, *dims).cpu())), name
        logical_k = hamming_gram(reference.pack_signs(y.cpu()).unsqueeze(0), units)
        assert torch.equal(hamming_gram(codes.unsqueeze(0), units), logical_k), name


def test_unknown_order_names_the_accepted_ones():
    with pytest.raises(ValueError, match="unknown order 'nhwc'; accepted: logical, memory"):
        pack_signs(torch.ones(2, 3), order="nhwc")
