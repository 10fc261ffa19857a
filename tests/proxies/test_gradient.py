"""Golden values of the CE-gradient proxies, computed independently with plain torch/numpy."""
import copy
import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from zcnas.engine import Plan

from conftest import ConvNet, make_batches

NAMES = ["grad_norm", "snip", "plain", "fisher", "grasp", "snip_snr", "snip_snr_log", "grasp_snr",
         "grasp_snr_log"]


@pytest.fixture(scope="module")
def setup():
    torch.manual_seed(3)
    net = ConvNet().double()
    batches = [(x.double(), y) for x, y in make_batches()]
    res = Plan(NAMES).score(net, batches, seed=0)
    return net, batches, res


def ce_grads(net, x, y, weights=None):
    """Weights and ∂(mean CE)/∂W of conv1, conv2, fc (train mode), by loss.backward on a copy."""
    m = copy.deepcopy(net).train()
    if weights is not None:
        with torch.no_grad():
            for mod, w in zip((m.conv1, m.conv2, m.fc), weights):
                mod.weight.copy_(w)
    F.cross_entropy(m(x), y).backward()
    return [mod.weight.detach().clone() for mod in (m.conv1, m.conv2, m.fc)], \
           [mod.weight.grad.clone() for mod in (m.conv1, m.conv2, m.fc)]


def close(a, b, rtol=1e-9):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-300)


def test_grad_norm_snip_plain(setup):
    net, batches, res = setup
    w, g = ce_grads(net, *batches[0])
    norms = [gi.norm().item() for gi in g]
    snip = [(wi * gi).abs().sum().item() for wi, gi in zip(w, g)]
    plain = [(wi * gi).sum().item() for wi, gi in zip(w, g)]
    close(res["grad_norm"].per_layer, norms)
    close(res["grad_norm"].value, sum(norms))
    close(res["snip"].per_layer, snip)
    close(res["snip"].value, sum(snip))
    close(res["plain"].value, sum(plain), rtol=1e-7)
    assert all(r.error is None for r in res.values())


def test_snip_snr(setup):
    net, batches, res = setup
    w, g = ce_grads(net, *batches[0])
    snr = []
    for wi, gi in zip(w, g):
        s = (wi * gi).abs().flatten().numpy()
        snr.append(s.sum() / s.std(ddof=1))
    close(res["snip_snr"].per_layer, snr, rtol=1e-7)
    close(res["snip_snr"].value, sum(snr), rtol=1e-7)
    close(res["snip_snr_log"].value, sum(math.log(v) for v in snr), rtol=1e-7)


def test_fisher(setup):
    net, batches, res = setup
    x, y = batches[0]
    m = copy.deepcopy(net).train()
    a1 = m.conv1(x)
    a1.retain_grad()
    a2 = m.conv2(m.relu1(m.bn1(a1)))
    a2.retain_grad()
    a3 = m.fc(m.pool(m.relu2(m.bn2(a2))).flatten(1))
    a3.retain_grad()
    F.cross_entropy(a3, y).backward()
    expected = []
    for a, fan_in in ((a1, 3 * 9), (a2, 4 * 9), (a3, 5)):
        prod = a * a.grad
        per_channel = prod.sum((2, 3)) if prod.dim() == 4 else prod
        expected.append(0.5 * per_channel.pow(2).mean(0).sum().item() * fan_in)
    close(res["fisher"].per_layer, expected, rtol=1e-7)
    close(res["fisher"].value, sum(expected), rtol=1e-7)


def test_grasp_matches_finite_difference_hessian(setup):
    net, batches, res = setup
    x, y = batches[0]
    w, g = ce_grads(net, x, y)
    eps = 1e-4
    _, g_plus = ce_grads(net, x, y, [wi + eps * gi for wi, gi in zip(w, g)])
    _, g_minus = ce_grads(net, x, y, [wi - eps * gi for wi, gi in zip(w, g)])
    hg = [(p - m) / (2 * eps) for p, m in zip(g_plus, g_minus)]
    per = [-(wi * h).sum().item() for wi, h in zip(w, hg)]
    close(res["grasp"].per_layer, per, rtol=1e-4)
    close(res["grasp"].value, sum(per), rtol=1e-4)
    snr = []
    for wi, h in zip(w, hg):
        s = (wi * h).abs().flatten().numpy()
        snr.append(s.sum() / s.std(ddof=1))
    close(res["grasp_snr"].per_layer, snr, rtol=1e-4)
    close(res["grasp_snr_log"].value, sum(math.log(v) for v in snr), rtol=1e-4)


def test_float32_model_matches_float64_reductions():
    torch.manual_seed(3)
    net = ConvNet()
    res = Plan(["snip", "grad_norm"]).score(net, make_batches(), seed=0)
    w, g = ce_grads(net, *make_batches()[0])
    close(res["snip"].value, sum((wi.double() * gi.double()).abs().sum().item() for wi, gi in zip(w, g)),
          rtol=1e-6)


def test_single_weight_layer_snr_is_the_sum():
    """σ of a one-element layer is undefined: SNR_l = S_n = |w·g|."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 1), nn.ReLU(), nn.Linear(1, 1, bias=False), nn.Linear(1, 3))
    x = torch.randn(8, 4).abs() + 0.5
    with torch.no_grad():
        net[0].weight.abs_()
        net[0].bias.fill_(0.1)
    y = torch.arange(8) % 3
    res = Plan(["snip_snr", "snip"]).score(net, [(x, y)], seed=0)
    m = copy.deepcopy(net)
    F.cross_entropy(m(x), y).backward()
    s_n = (m[2].weight * m[2].weight.grad).abs().sum().item()
    assert s_n > 0
    close(res["snip_snr"].per_layer[1], s_n, rtol=1e-6)
    assert res["snip_snr"].error is None
