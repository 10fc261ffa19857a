"""Activation-pattern proxies: nwot (ReLU inputs) and lnwot (weight-layer outputs, per layer).

The hooks of the main forward keep only ``zcnas.ops.pack_signs`` codes, never float activations.
Kernels come from ``zcnas.ops.hamming_gram`` (K = units − Hamming distance) and log-determinants from
``zcnas.ops.logdet_psd`` (rank-based singularity).
"""
import numpy as np
import torch

from zcnas import ops
from zcnas.engine.types import Pass, PassOutputs, ProxyResult
from zcnas.proxies.registry import failure, proxy, result


@proxy("nwot", needs={Pass.RELU_CODES})
def nwot(out: PassOutputs) -> ProxyResult:
    """log|det K|, K = Σ_relu (c cᵀ + (1−c)(1−c)ᵀ), c = 1[x > 0] of every nn.ReLU input per sample.

    K is computed as one Hamming kernel over the concatenated codes of all ReLU calls
    (K = total units − Hamming distance, exactly the sum over ReLUs). The value is slogdet's log|det K|
    where K is non-singular. Where K is singular by the rank test of zcnas.ops.logdet_psd (smallest
    eigenvalue ≤ N·1e-9 × largest; slogdet would give −inf or a rounding artefact) the result is NaN
    with the reason, never a sentinel: this happens for duplicate samples and for a network whose
    ReLU inputs do not depend on the input (constant codes, K = units·11ᵀ). A model without nn.ReLU
    modules (functional relu only) is NaN with a reason. No per-layer vector.
    """
    if out.relu_calls == 0:
        return failure("no nn.ReLU module was called (nwot hooks nn.ReLU inputs)")
    k = ops.hamming_gram(out.relu_codes.unsqueeze(0), out.relu_units, backend=out.backend)[0]
    logdet, singular = ops.logdet_psd(k)
    if bool(singular):
        return failure(f"NWOT kernel K ({k.shape[0]}x{k.shape[0]}, {out.relu_units} units) is singular: "
                       "duplicate samples or ReLU codes that do not depend on the input")
    return result(float(logdet))


def lnwot_per_layer(out: PassOutputs) -> np.ndarray:
    """Lnwot_l = log det K_l, or 0 where K_l is singular (rank test), float64 [L].

    K_l = c cᵀ + (1−c)(1−c)ᵀ with c = 1[out > 0] of the layer's output per sample (all calls of a
    module concatenated). A layer that was never called has K_l = 0 (singular) → 0.
    """
    if not out.layer_names:
        return np.zeros(0)
    k = ops.hamming_gram(out.layer_codes.unsqueeze(0), out.layer_units, out.layer_code_segments,
                          backend=out.backend)[0]
    logdet, singular = ops.logdet_psd(k)
    values = torch.where(singular, torch.zeros_like(logdet), logdet)
    return values.cpu().numpy().astype(np.float64)


def lnwot_by_layer(out: PassOutputs) -> dict[str, float]:
    """Lnwot_l keyed by the layer's qualified name (for pairing with other per-layer vectors)."""
    return dict(zip(out.layer_names, lnwot_per_layer(out)))


@proxy("lnwot", needs={Pass.LAYER_CODES})
def lnwot(out: PassOutputs) -> ProxyResult:
    """Σ_l Lnwot_l over the weight layers; hooks on every weight layer's output (before BN) ride on
    the main train-mode forward (BN normalises with batch statistics). Singular K_l (duplicate
    samples, outputs independent of the input, an unused layer) gives Lnwot_l = 0. Per layer: Lnwot_l.
    """
    per = lnwot_per_layer(out)
    return result(per.sum(), per)
