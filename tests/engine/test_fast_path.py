"""The fast path (C++ ops) against the torch reference ops on 30 random NB201 architectures.

The NWOT and Lnwot kernel matrices must be equal exactly, their log-determinants within 1e-9 relative,
and every float proxy within 1e-5 relative.
"""
from collections import Counter

import numpy as np
import pytest
import torch

from zcnas import ops
from zcnas.data import make_batches
from zcnas.engine import Plan, passes
from zcnas.engine.types import Pass, PassOutputs
from zcnas.ops._backend import cpp_unavailable_reason
from zcnas.runner import arch_seed
from zcnas.spaces import get_space
from zcnas.testing import TOLERANCES

pytestmark = pytest.mark.skipif(cpp_unavailable_reason() is not None, reason="zcnas._C is not built")

PROXIES = ["nwot", "lnwot", "snip", "snip_snr", "tcet_snip", "tcet_snip_log", "grad_norm", "plain",
           "fisher", "synflow", "synflow_snr", "tcet_synflow", "l2_norm", "params", "flops"]
ARCHS = get_space("nb201").sample(30, seed=11)


@pytest.fixture(scope="module")
def batches():
    return make_batches("synthetic", "cifar10", 8, seed=2)


def _model(arch):
    torch.manual_seed(arch_seed(arch, 0))
    return get_space("nb201").build(arch, "cifar10")


def _close(a, b, rtol):
    if np.isnan(a) or np.isnan(b):
        return np.isnan(a) and np.isnan(b)
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-300)


@pytest.mark.parametrize("arch", ARCHS)
def test_kernels_equal_exactly_and_logdets_agree(arch, batches):
    out = PassOutputs()
    model = _model(arch)
    passes.model_pass(model, out)
    passes.main_pass(model, batches[0], {Pass.RELU_CODES, Pass.LAYER_CODES}, out, Counter())
    cases = [
        (out.relu_codes.unsqueeze(0), out.relu_units, None),
        (out.layer_codes.unsqueeze(0), out.layer_units, out.layer_code_segments),
    ]
    for codes, units, segments in cases:
        fast = ops.hamming_gram(codes, units, segments, backend="cpp")
        reference = ops.hamming_gram(codes, units, segments, backend="torch")
        assert torch.equal(fast, reference)
        logdet_fast, singular_fast = ops.logdet_psd(fast)
        logdet_ref, singular_ref = ops.logdet_psd(reference)
        assert torch.equal(singular_fast, singular_ref)
        ok = ~singular_ref
        torch.testing.assert_close(logdet_fast[ok], logdet_ref[ok], **TOLERANCES["logdet"])


def test_proxies_through_cpp_equal_the_torch_reference(batches):
    fast, reference = Plan(PROXIES, backend="cpp"), Plan(PROXIES, backend="torch")
    rtol = TOLERANCES["proxy_float"]["rtol"]
    for arch in ARCHS:
        model = _model(arch)
        got = fast.score(model, batches, seed=1)
        want = reference.score(model, batches, seed=1)
        for name in PROXIES:
            assert (got[name].error is None) == (want[name].error is None), (arch, name)
            assert _close(got[name].value, want[name].value, rtol), (arch, name, got[name], want[name])
            if want[name].per_layer is not None:
                for a, b in zip(got[name].per_layer, want[name].per_layer):
                    assert _close(float(a), float(b), rtol), (arch, name)
