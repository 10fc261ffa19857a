"""nwot and lnwot against a naive float implementation (K = c cᵀ + (1−c)(1−c)ᵀ, no bit packing)."""
import copy

import numpy as np
import torch
from torch import nn

from zcnas.engine import Plan

from conftest import ConvNet, make_batches


def naive_codes(net, x, module_type, inputs: bool):
    """{module: [N, units] float 0/1 codes} of every call, in call order, from a plain train forward."""
    m = copy.deepcopy(net).train()
    codes = {}

    def hook(mod, inp, out):
        t = inp[0] if inputs else out
        codes.setdefault(mod, []).append((t.detach().reshape(t.shape[0], -1) > 0).double())

    handles = [mod.register_forward_hook(hook) for mod in m.modules() if isinstance(mod, module_type)]
    with torch.no_grad():
        m(x)
    for h in handles:
        h.remove()
    names = {mod: n for n, mod in m.named_modules()}
    return {names[mod]: torch.cat(c, 1).numpy() for mod, c in codes.items()}


def kernel(c: np.ndarray) -> np.ndarray:
    return c @ c.T + (1 - c) @ (1 - c).T


def test_nwot_equals_naive_kernel_logdet():
    torch.manual_seed(0)
    net = ConvNet()
    x, y = make_batches()[0]
    res = Plan(["nwot"]).score(net, [(x, y)], seed=0)
    codes = naive_codes(net, x, nn.ReLU, inputs=True)
    k = sum(kernel(c) for c in codes.values())
    units = sum(c.shape[1] for c in codes.values())
    hamming = np.array([[np.sum(a != b) for b in np.concatenate(list(codes.values()), 1)]
                        for a in np.concatenate(list(codes.values()), 1)])
    np.testing.assert_array_equal(k, units - hamming)  # K = units − Hamming distance
    sign, logdet = np.linalg.slogdet(k)
    assert sign > 0
    np.testing.assert_allclose(res["nwot"].value, logdet, rtol=1e-9)
    assert res["nwot"].per_layer is None


def test_lnwot_per_layer_and_singular_layers():
    torch.manual_seed(0)
    net = ConvNet()
    x, y = make_batches()[0]
    res = Plan(["lnwot"]).score(net, [(x, y)], seed=0)
    codes = naive_codes(net, x, (nn.Conv2d, nn.Linear), inputs=False)
    expected = []
    for name in ("conv1", "conv2", "fc"):
        k = kernel(codes[name])
        full_rank = np.linalg.matrix_rank(k) == k.shape[0]
        expected.append(np.linalg.slogdet(k)[1] if full_rank else 0.0)
    assert expected[2] == 0.0  # fc has 3 outputs for 8 samples: its kernel is singular
    assert expected[0] != 0.0
    np.testing.assert_allclose(res["lnwot"].per_layer, expected, rtol=1e-9)
    np.testing.assert_allclose(res["lnwot"].value, sum(expected), rtol=1e-9)


def test_module_called_twice_contributes_all_calls():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(6, 6)
            self.act = nn.ReLU()
            self.out = nn.Linear(6, 3)

        def forward(self, x):
            return self.out(self.act(self.fc(self.act(self.fc(x)))))

    torch.manual_seed(0)
    net = Twice()
    x = torch.randn(5, 6)
    res = Plan(["lnwot", "nwot"]).score(net, [(x, torch.zeros(5, dtype=torch.long))], seed=0)
    fc_codes = naive_codes(net, x, nn.Linear, inputs=False)["fc"]
    assert fc_codes.shape == (5, 12)
    k = kernel(fc_codes)
    expected = np.linalg.slogdet(k)[1] if np.linalg.matrix_rank(k) == 5 else 0.0
    np.testing.assert_allclose(res["lnwot"].per_layer[0], expected, rtol=1e-9)
    relu = naive_codes(net, x, nn.ReLU, inputs=True)["act"]
    assert relu.shape == (5, 12)
    k = kernel(relu)
    if np.linalg.matrix_rank(k) == 5:
        np.testing.assert_allclose(res["nwot"].value, np.linalg.slogdet(k)[1], rtol=1e-9)
    else:
        assert np.isnan(res["nwot"].value) and "singular" in res["nwot"].error
