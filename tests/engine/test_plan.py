"""The pass plan: each pass once, failure isolation, no mutation of the caller's model, determinism."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from zcnas.engine import Pass, Plan, ProxyResult
from zcnas.errors import UserError
from zcnas.proxies import REGISTRY, available, proxy


class _Count(torch.autograd.Function):
    """Identity that counts the backwards flowing through it."""

    backwards = 0

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        _Count.backwards += 1
        return grad


class CountingNet(nn.Module):
    """Conv-BN-ReLU, GAP, linear; counts forwards (class attribute: shared by every copy)."""

    forwards = 0

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.bn = nn.BatchNorm2d(6)
        self.relu = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        CountingNet.forwards += 1
        h = self.relu(self.bn(self.conv(_Count.apply(x))))
        return self.fc(self.pool(h).flatten(1))


def batches(n=6, count=2):
    g = torch.Generator().manual_seed(0)
    return [(torch.randn(n, 3, 4, 4, generator=g), torch.arange(n) % 3) for _ in range(count)]


def run(names, net=None, seed=0, memory_format="contiguous"):
    torch.manual_seed(0)
    net = net or CountingNet()
    plan = Plan(names, memory_format=memory_format)
    CountingNet.forwards = _Count.backwards = 0
    res = plan.score(net, batches(), seed=seed)
    return plan, res, CountingNet.forwards, _Count.backwards


def test_unknown_proxy_is_a_user_error():
    with pytest.raises(UserError, match="unknown proxy 'bogus'.*snip"):
        Plan(["snip", "bogus"])


def test_registry_holds_every_canonical_proxy():
    expected = {"params", "flops", "l2_norm", "grad_norm", "snip", "plain", "grasp", "fisher", "synflow",
                "jacob_cov", "epe_nas", "nwot", "zen", "zico", "synflow_snr", "snip_snr", "grasp_snr",
                "synflow_snr_log", "snip_snr_log", "grasp_snr_log", "lnwot", "tcet_snip", "tcet_synflow",
                "tcet_snip_log", "tcet_synflow_log"}
    assert set(available()) == expected


def test_gradient_family_shares_one_forward_and_one_backward():
    plan, res, fwd, _ = run(["snip", "grad_norm", "plain", "fisher", "snip_snr"])
    assert plan.last_pass_counts == {"forwards": 1, "backwards": 1}
    assert fwd == 1  # counted independently, inside the model
    assert plan.passes == {Pass.MODEL, Pass.CE_BACKWARD, Pass.FISHER}
    assert all(r.error is None for r in res.values())


@pytest.mark.parametrize("names, forwards, backwards", [
    (["params", "l2_norm"], 0, 0),
    (["nwot", "lnwot", "flops"], 1, 0),
    (["tcet_snip", "snip", "lnwot"], 1, 1),
    (["jacob_cov", "epe_nas", "snip"], 1, 2),
    (["grasp", "grasp_snr", "snip"], 1, 2),
    (["synflow", "synflow_snr", "tcet_synflow"], 2, 1),
    (["zen"], 2, 0),
    (["zico", "snip"], 2, 2),
])
def test_pass_counts(names, forwards, backwards):
    plan, _, fwd, _ = run(names)
    assert plan.last_pass_counts == {"forwards": forwards, "backwards": backwards}
    assert fwd == forwards


def test_all_proxies_run_each_pass_once():
    plan, res, fwd, bwd_x = run(available())
    # main forward (CE, J, Hg backwards) + second batch fwd/bwd + synflow fwd/bwd + zen 2 forwards
    assert plan.last_pass_counts == {"forwards": 5, "backwards": 5}
    assert fwd == 5
    assert bwd_x == 1  # only the J backward reaches the input (the others stop at the weights)
    assert list(res) == available()
    assert all(r.error is None for r in res.values()), {k: r.error for k, r in res.items() if r.error}
    assert len(plan.last_layer_names) == 2 and plan.last_layer_names == ("conv", "fc")


def test_shared_passes_give_the_same_values_as_separate_plans():
    _, together, _, _ = run(available())
    for name in available():
        _, alone, _, _ = run([name])
        np.testing.assert_allclose(alone[name].value, together[name].value, rtol=1e-6, err_msg=name)


def test_memory_formats_agree_within_float_rounding():
    names = [n for n in available() if n != "grasp" and not n.startswith("grasp_")]
    _, nchw, _, _ = run(names)
    _, nhwc, _, _ = run(names, memory_format="channels_last")
    for name in names:
        np.testing.assert_allclose(nhwc[name].value, nchw[name].value, rtol=1e-5, err_msg=name)


def test_auto_memory_format_is_channels_last_on_cpu_unless_grasp_is_asked_for():
    assert Plan(["snip", "nwot"])._channels_last(torch.device("cpu"))
    assert not Plan(["snip", "grasp"])._channels_last(torch.device("cpu"))
    assert not Plan(["snip"], memory_format="contiguous")._channels_last(torch.device("cpu"))
    with pytest.raises(UserError, match="unknown memory format 'nhwc'.*channels_last"):
        Plan(["snip"], memory_format="nhwc")


def test_caller_model_is_not_mutated():
    torch.manual_seed(0)
    net = CountingNet().eval()
    net.conv.bias.requires_grad_(False)
    net.fc.weight.grad = torch.full_like(net.fc.weight, 7.0)
    calls = []
    handle = net.fc.register_forward_hook(lambda m, i, o: calls.append(1))
    state = {k: v.clone() for k, v in net.state_dict().items()}
    hooks = {name: (dict(m._forward_hooks), dict(m._forward_pre_hooks), dict(m._backward_hooks))
             for name, m in net.named_modules()}
    rng = torch.get_rng_state()
    Plan(available()).score(net, batches(), seed=5)
    for k, v in net.state_dict().items():
        assert torch.equal(v, state[k]), k
    assert not any(m.training for m in net.modules())
    assert net.conv.bias.requires_grad is False and net.conv.weight.requires_grad is True
    assert torch.equal(net.fc.weight.grad, torch.full_like(net.fc.weight, 7.0))
    assert net.conv.weight.grad is None
    assert {name: (dict(m._forward_hooks), dict(m._forward_pre_hooks), dict(m._backward_hooks))
            for name, m in net.named_modules()} == hooks
    assert net.bn.running_var.dtype == torch.float32
    assert torch.equal(torch.get_rng_state(), rng)
    handle.remove()


def test_deterministic_under_a_seed():
    _, a, _, _ = run(available(), seed=3)
    _, b, _, _ = run(available(), seed=3)
    for name in available():
        assert a[name].value == b[name].value, name


@pytest.fixture
def broken_proxy():
    @proxy("boom_test_only", needs={Pass.CE_BACKWARD})
    def boom(out):
        raise RuntimeError("deliberate")

    @proxy("inf_test_only", needs={Pass.CE_BACKWARD})
    def infinite(out):
        return ProxyResult(math.inf, np.array([1.0, math.inf]), None)

    yield
    del REGISTRY["boom_test_only"], REGISTRY["inf_test_only"]


def test_a_failing_proxy_does_not_stop_the_others(broken_proxy):
    _, res, _, _ = run(["boom_test_only", "snip", "inf_test_only", "grad_norm"])
    assert math.isnan(res["boom_test_only"].value) and "deliberate" in res["boom_test_only"].error
    assert math.isnan(res["inf_test_only"].value) and "non-finite" in res["inf_test_only"].error
    np.testing.assert_array_equal(res["inf_test_only"].per_layer, [1.0, math.inf])  # partial per-layer
    assert res["snip"].error is None and math.isfinite(res["snip"].value)
    assert res["grad_norm"].error is None


def test_a_failing_pass_fails_only_its_proxies():
    class Float32Only(CountingNet):
        def forward(self, x):
            if x.dtype != torch.float32:
                raise TypeError("float32 only")
            return super().forward(x)

    _, res, _, _ = run(["synflow", "tcet_synflow", "snip", "lnwot"], net=Float32Only())
    for name in ("synflow", "tcet_synflow"):
        assert math.isnan(res[name].value) and "pass synflow failed" in res[name].error
        assert "float32 only" in res[name].error
    assert res["snip"].error is None and res["lnwot"].error is None


def test_ops_backend_is_passed_through():
    with pytest.raises(UserError, match="unknown backend 'gpu'"):
        Plan(["snip"], backend="gpu")
    names = ["snip", "snip_snr", "lnwot", "nwot", "synflow", "tcet_snip"]
    torch.manual_seed(0)
    net = CountingNet()
    auto = Plan(names).score(net, batches(), seed=0)
    ref = Plan(names, backend="torch").score(net, batches(), seed=0)
    for name in names:
        np.testing.assert_allclose(auto[name].value, ref[name].value, rtol=1e-9, err_msg=name)
