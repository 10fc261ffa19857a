"""Model-size proxies: params, flops, l2_norm."""
import numpy as np

from zcnas.aggregate.layerwise import SUM_T2
from zcnas.engine.types import Pass, PassOutputs, ProxyResult
from zcnas.proxies.registry import proxy, result


@proxy("params", needs={Pass.MODEL}, per_member=True)
def params(out: PassOutputs) -> ProxyResult:
    """Number of all parameters (every ``model.parameters()`` entry: conv, linear, BN affine), in
    millions. No per-layer vector."""
    return result(out.param_count / 1e6)


@proxy("flops", needs={Pass.SHAPES}, per_member=True)
def flops(out: PassOutputs) -> ProxyResult:
    """Multiply-accumulates of the conv and linear layers for one input sample, in millions.

    Per call of a weight layer: output elements of one sample × fan-in (C_in/groups·kh·kw, or
    in_features); a layer called several times counts every call. Per-layer vector: millions per layer.
    Biases, BN, pooling and activations are not counted. Rides on the main forward (output shapes).
    """
    per = out.flops_per_layer / 1e6
    return result(per.sum(), per)


@proxy("l2_norm", needs={Pass.MODEL})
def l2_norm(out: PassOutputs) -> ProxyResult:
    """Σ_l ‖W_l‖_F over the weight layers (float64). No data. Per layer: ‖W_l‖_F."""
    per = np.sqrt(out.weight_stats[:, SUM_T2])
    return result(per.sum(), per)
