"""Defined results for the degenerate cases NB201 contains (each documented in the proxy's docstring)."""
import math

import numpy as np
import torch
from torch import nn

from zcnas.engine import Plan
from zcnas.proxies import available

from conftest import ConvNet, make_batches


def test_input_independent_network():
    """x·0 first (an all-`none` path): every sample is the same to the network."""
    torch.manual_seed(0)
    r = Plan(available()).score(ConvNet(zero_at="input"), make_batches(), seed=0)
    for name in ("jacob_cov", "epe_nas"):  # J = 0: correlations undefined
        assert math.isnan(r[name].value) and "constant" in r[name].error
    assert math.isnan(r["nwot"].value) and "singular" in r["nwot"].error  # constant codes
    assert math.isnan(r["zen"].value) and "Δ = 0" in r["zen"].error
    np.testing.assert_array_equal(r["lnwot"].per_layer, [0.0, 0.0, 0.0])  # every K_l singular
    assert r["lnwot"].value == 0.0 and r["lnwot"].error is None
    assert r["tcet_snip"].value == 0.0 and r["tcet_synflow"].value == 0.0  # Lnwot_l = 0 everywhere
    # conv1's input is 0: its weight gradient is exactly 0, SNR_l = S_n = 0.
    assert r["snip"].per_layer[0] == 0.0 and r["snip_snr"].per_layer[0] == 0.0
    assert r["synflow"].per_layer[0] == 0.0 and (r["synflow"].per_layer[1:] > 0).all()
    # Both batches look identical to the network: σ = 0 for every weight.
    assert math.isnan(r["zico"].value) and "no weight" in r["zico"].error
    for name in ("params", "flops", "l2_norm", "snip", "grad_norm", "grasp", "fisher", "synflow_snr"):
        assert math.isfinite(r[name].value) and r[name].error is None, name


def test_zero_gradients_everywhere():
    """Logits multiplied by 0: every weight gradient, Hg and J is exactly 0."""
    torch.manual_seed(0)
    names = ["snip", "grad_norm", "plain", "fisher", "grasp", "snip_snr", "grasp_snr", "snip_snr_log",
             "zico", "synflow", "synflow_snr", "synflow_snr_log", "jacob_cov"]
    r = Plan(names).score(ConvNet(zero_at="output"), make_batches(), seed=0)
    for name in ("snip", "grad_norm", "plain", "fisher", "grasp", "snip_snr", "grasp_snr", "synflow",
                 "synflow_snr"):
        assert r[name].value == 0.0 and r[name].error is None, name
        np.testing.assert_array_equal(r[name].per_layer, 0.0)
    for name in ("snip_snr_log", "synflow_snr_log"):  # no layer has SNR_l > 0: empty sum
        assert r[name].value == 0.0 and np.isnan(r[name].per_layer).all()
    assert math.isnan(r["zico"].value) and "no weight" in r["zico"].error
    assert math.isnan(r["jacob_cov"].value)


def test_zero_op_in_the_middle():
    """Layers before a ×0 get zero gradients; layers after it see constant codes."""
    torch.manual_seed(0)
    r = Plan(["snip", "snip_snr", "snip_snr_log", "lnwot", "nwot", "jacob_cov", "synflow"]).score(
        ConvNet(zero_at="middle"), make_batches(), seed=0)
    assert r["snip"].per_layer[0] == 0.0 and r["snip_snr"].per_layer[0] == 0.0
    assert np.isnan(r["snip_snr_log"].per_layer[0])  # SNR_l = 0 is excluded from the log sum
    assert r["lnwot"].per_layer[0] != 0.0 and r["lnwot"].per_layer[1] == 0.0
    assert math.isfinite(r["nwot"].value)  # the first ReLU's codes still separate the samples
    assert math.isnan(r["jacob_cov"].value)
    # conv1: nothing flows back through ×0; conv2 (no bias) and fc: their inputs are 0.
    np.testing.assert_array_equal(r["synflow"].per_layer, 0.0)
    assert r["synflow"].value == 0.0 and r["synflow"].error is None


def test_duplicate_samples_make_kernels_singular():
    x, y = make_batches()[0]
    x[1] = x[0]
    r = Plan(["nwot", "lnwot", "snip"]).score(ConvNet(), [(x, y)], seed=0)
    assert math.isnan(r["nwot"].value) and "singular" in r["nwot"].error
    np.testing.assert_array_equal(r["lnwot"].per_layer, 0.0)
    assert math.isfinite(r["snip"].value)


def test_no_global_pool_and_no_relu():
    net = nn.Sequential(nn.Flatten(), nn.Linear(75, 3))
    r = Plan(["zen", "nwot", "snip"]).score(net, make_batches(), seed=0)
    assert math.isnan(r["zen"].value) and "global average pooling" in r["zen"].error
    assert math.isnan(r["nwot"].value) and "nn.ReLU" in r["nwot"].error
    assert math.isfinite(r["snip"].value) and r["snip"].error is None
