"""Golden values of jacob_cov, epe_nas, zen, zico, params, flops, l2_norm and T-CET.

The expected values are computed on NCHW tensors; plans whose check is tighter than the float rounding
of a channels_last convolution ask for memory_format="contiguous"."""
import copy
import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from zcnas.engine import Plan

from conftest import ConvNet, make_batches


def input_jacobian(net, x):
    m = copy.deepcopy(net).train()
    x = x.clone().requires_grad_(True)
    m(x).sum().backward()
    return x.grad.reshape(x.shape[0], -1).double().numpy()


def test_jacob_cov_and_epe_nas():
    torch.manual_seed(0)
    net = ConvNet()
    x, y = make_batches(n=10)[0]
    res = Plan(["jacob_cov", "epe_nas"], memory_format="contiguous").score(net, [(x, y)], seed=0)
    j = input_jacobian(net, x)
    lam = np.real(np.linalg.eig(np.corrcoef(j))[0])
    k = 1e-5
    np.testing.assert_allclose(res["jacob_cov"].value, -np.sum(np.log(lam + k) + 1 / (lam + k)), rtol=1e-6)
    labels = y.numpy()
    total = 0.0
    for c in sorted(set(labels)):
        corr = np.corrcoef(j[labels == c])
        total += abs(np.sum(np.log(np.abs(corr) + 1e-5)))
    np.testing.assert_allclose(res["epe_nas"].value, total, rtol=1e-9)


def test_epe_nas_above_100_classes_is_mean_pairwise_difference():
    torch.manual_seed(0)
    net = ConvNet(classes=120)
    x, _ = make_batches(n=9)[0]
    y = torch.tensor([0, 0, 0, 5, 5, 5, 7, 7, 7])
    res = Plan(["epe_nas"], memory_format="contiguous").score(net, [(x, y)], seed=0)
    j = input_jacobian(net, x)
    s = [np.sum(np.log(np.abs(np.corrcoef(j[y.numpy() == c])) + 1e-5)) for c in (0, 5, 7)]
    pairs = [abs(s[0] - s[1]), abs(s[0] - s[2]), abs(s[1] - s[2])]
    np.testing.assert_allclose(res["epe_nas"].value, np.mean(pairs), rtol=1e-9)


def test_zen_golden():
    torch.manual_seed(0)
    net = ConvNet()
    batches = make_batches()
    seed = 11
    res = Plan(["zen"]).score(net, batches, seed=seed)
    # Independent re-statement: Gaussian init in registration order, then x1, x2, from one generator.
    m = copy.deepcopy(net)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod in (m.conv1, m.conv2, m.fc):
            mod.weight.copy_(torch.randn(mod.weight.shape, generator=gen))
            if mod.bias is not None:
                mod.bias.zero_()
        for bn in (m.bn1, m.bn2):
            bn.weight.fill_(1)
            bn.bias.zero_()
            bn.running_mean.zero_()
            bn.running_var.fill_(1)
            bn.num_batches_tracked.zero_()
        x1 = torch.randn(batches[0][0].shape, generator=gen)
        x2 = torch.randn(batches[0][0].shape, generator=gen)
        m.train()
        f1 = m.features(x1).double()
        f2 = m.features(x1 + 0.01 * x2).double()
    delta = (f1 - f2).abs().sum((1, 2, 3)).mean().item()
    bn_term = sum(math.log(math.sqrt(bn.running_var.double().mean().item())) for bn in (m.bn1, m.bn2))
    np.testing.assert_allclose(res["zen"].value, math.log(delta) + bn_term, rtol=1e-6)
    again = Plan(["zen"]).score(net, batches, seed=seed)["zen"].value
    other = Plan(["zen"]).score(net, batches, seed=seed + 1)["zen"].value
    assert again == res["zen"].value and other != res["zen"].value


def test_zico_golden():
    torch.manual_seed(0)
    net = ConvNet()
    batches = make_batches()
    res = Plan(["zico"], memory_format="contiguous").score(net, batches, seed=0)
    grads = []
    for x, y in batches:
        m = copy.deepcopy(net).train()
        F.cross_entropy(m(x), y).backward()
        grads.append([mod.weight.grad.double().flatten().numpy() for mod in (m.conv1, m.conv2, m.fc)])
    per = []
    for g1, g2 in zip(*grads):
        g = np.stack([g1, g2])
        mu, sigma = np.abs(g).mean(0), g.std(0)
        per.append(np.log(np.sum(mu[sigma > 0] / sigma[sigma > 0])))
    np.testing.assert_allclose(res["zico"].per_layer, per, rtol=1e-9)
    np.testing.assert_allclose(res["zico"].value, sum(per), rtol=1e-9)


def test_zico_needs_two_batches():
    res = Plan(["zico", "snip"]).score(ConvNet(), make_batches(count=1), seed=0)
    assert math.isnan(res["zico"].value) and "second batch" in res["zico"].error
    assert res["snip"].error is None


def test_params_flops_l2_norm():
    torch.manual_seed(0)
    net = ConvNet()
    res = Plan(["params", "flops", "l2_norm"]).score(net, make_batches(), seed=0)
    # conv1 3·4·9 + 4, bn1 4 + 4, conv2 4·5·9, bn2 5 + 5, fc 5·3 + 3
    assert res["params"].value == (108 + 4 + 8 + 180 + 10 + 15 + 3) / 1e6
    # MACs per sample: conv1 4·5·5 outputs × 27, conv2 5·5·5 × 36, fc 3 × 5
    np.testing.assert_allclose(res["flops"].per_layer, [2700e-6, 4500e-6, 15e-6], rtol=1e-12)
    np.testing.assert_allclose(res["flops"].value, 7215e-6, rtol=1e-12)
    norms = [mod.weight.detach().double().norm().item() for mod in (net.conv1, net.conv2, net.fc)]
    np.testing.assert_allclose(res["l2_norm"].per_layer, norms, rtol=1e-12)
    np.testing.assert_allclose(res["l2_norm"].value, sum(norms), rtol=1e-12)


def test_tcet_is_the_dot_product_of_snr_and_lnwot():
    torch.manual_seed(0)
    net = ConvNet()
    names = ["tcet_snip", "tcet_snip_log", "tcet_synflow", "tcet_synflow_log", "snip_snr", "synflow_snr",
             "lnwot"]
    res = Plan(names).score(net, make_batches(n=6), seed=0)
    lnwot = res["lnwot"].per_layer
    assert np.count_nonzero(lnwot) >= 2
    for saliency in ("snip", "synflow"):
        snr = res[f"{saliency}_snr"].per_layer
        np.testing.assert_allclose(res[f"tcet_{saliency}"].value, float(np.dot(snr, lnwot)), rtol=1e-12)
        np.testing.assert_allclose(res[f"tcet_{saliency}"].per_layer, snr * lnwot, rtol=1e-12)
        np.testing.assert_allclose(res[f"tcet_{saliency}_log"].value, float(np.dot(np.log(snr), lnwot)),
                                   rtol=1e-12)


def test_tcet_pairs_layers_by_module_not_position():
    """Registration order differs from call order: pairing still follows the module."""

    class Reordered(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc_out = nn.Linear(40, 3)  # registered first, called last
            self.fc_in = nn.Linear(4, 40)
            self.act = nn.ReLU()

        def forward(self, x):
            return self.fc_out(self.act(self.fc_in(x)))

    torch.manual_seed(0)
    net = Reordered()
    x = torch.randn(5, 4)
    res = Plan(["tcet_snip", "snip_snr", "lnwot"]).score(net, [(x, torch.arange(5) % 3)], seed=0)
    assert res["lnwot"].per_layer[0] == 0.0 and res["lnwot"].per_layer[1] != 0.0  # fc_out: 3 < 5 units
    np.testing.assert_allclose(res["tcet_snip"].value,
                               res["snip_snr"].per_layer[1] * res["lnwot"].per_layer[1], rtol=1e-12)
