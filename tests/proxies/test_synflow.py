"""Synflow: the closed product form on linear chains, and a hand-written BN-free float64 forward."""
import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from zcnas.engine import Plan

from conftest import ConvNet, linear_chain, make_batches

SYN = ["synflow", "synflow_snr", "synflow_snr_log"]


def test_linear_chain_equals_closed_product_form():
    """Without bias every layer's Σ|W ⊙ ∂R/∂W| equals R = 1ᵀ|W_L|…|W_1|1, so synflow = L·R."""
    torch.manual_seed(1)
    net = linear_chain((6, 5, 4, 3))
    x = torch.randn(4, 6)
    res = Plan(SYN).score(net, [(x, torch.zeros(4, dtype=torch.long))], seed=0)
    mats = [m.weight.detach().double().abs().numpy() for m in net if isinstance(m, nn.Linear)]
    r = np.ones(6)
    for w in mats:
        r = w @ r
    product = r.sum()
    np.testing.assert_allclose(res["synflow"].per_layer, [product] * 3, rtol=1e-12)
    np.testing.assert_allclose(res["synflow"].value, 3 * product, rtol=1e-12)


def test_values_beyond_float32_range_stay_float64():
    net = linear_chain((8,) * 13, relu=False)
    with torch.no_grad():
        for m in net:
            m.weight.fill_(-300.0)  # abs is taken: 300 per entry
    res = Plan(["synflow"]).score(net, [(torch.randn(2, 8), torch.zeros(2, dtype=torch.long))], seed=0)
    product = 8 * (8 * 300.0) ** 12  # R = 1ᵀ (300·J)^12 1 with J the 8x8 ones matrix
    assert product > 1e40
    np.testing.assert_allclose(res["synflow"].value, 12 * product, rtol=1e-12)
    assert res["synflow"].error is None


def test_conv_net_golden_and_snr():
    torch.manual_seed(2)
    net = ConvNet()
    batches = make_batches()
    res = Plan(SYN).score(net, batches, seed=0)
    # Hand-written: BN dropped, |params| in float64, ones input, R = Σ logits.
    w1 = net.conv1.weight.detach().double().abs().requires_grad_(True)
    b1 = net.conv1.bias.detach().double().abs()
    w2 = net.conv2.weight.detach().double().abs().requires_grad_(True)
    w3 = net.fc.weight.detach().double().abs().requires_grad_(True)
    b3 = net.fc.bias.detach().double().abs()
    x = torch.ones(1, 3, 5, 5, dtype=torch.float64)
    h = F.relu(F.conv2d(F.relu(F.conv2d(x, w1, b1, padding=1)), w2, padding=1))
    r = F.linear(h.mean((2, 3)), w3, b3).sum()
    grads = torch.autograd.grad(r, [w1, w2, w3])
    sal = [(w * g).abs().detach().flatten().numpy() for w, g in zip((w1, w2, w3), grads)]
    np.testing.assert_allclose(res["synflow"].per_layer, [s.sum() for s in sal], rtol=1e-10)
    snr = [s.sum() / s.std(ddof=1) for s in sal]
    np.testing.assert_allclose(res["synflow_snr"].per_layer, snr, rtol=1e-8)
    np.testing.assert_allclose(res["synflow_snr"].value, sum(snr), rtol=1e-8)
    np.testing.assert_allclose(res["synflow_snr_log"].value, sum(math.log(v) for v in snr), rtol=1e-8)
    assert net.bn1.weight.dtype == torch.float32  # the caller's model is not converted
