"""Zen-score (Pass.ZEN): expressivity of a Gaussian-initialised copy."""
import math

from zcnas.engine.types import Pass, PassOutputs, ProxyResult
from zcnas.proxies.registry import failure, proxy, result


@proxy("zen", needs={Pass.ZEN})
def zen(out: PassOutputs) -> ProxyResult:
    """log Δ + Σ_BN log √(mean running_var).

    On a copy of the model (BN running statistics reset, conv/linear weights ~ N(0, 1), biases 0, BN
    weight 1, bias 0), x₁, x₂ ~ N(0, 1) shaped like batch 0, all drawn from a generator seeded with
    the plan's seed; f = the input of the last global average pooling call (an AdaptiveAvgPool2d or
    AvgPool2d with 1×1 output); Δ = mean_n Σ |f(x₁) − f(x₁ + 0.01·x₂)| (float64). The BN term uses
    running_var as the two train-mode forwards leave them; BNs without running statistics are
    skipped. A model without such a pooling module is NaN with a reason; Δ = 0 (features independent
    of the input) gives log 0 → NaN with a reason. No per-layer vector.
    """
    if out.zen_delta <= 0:
        return failure("zen: Δ = 0, the features before global pooling do not depend on the input")
    return result(math.log(out.zen_delta) + out.zen_bn_log)
