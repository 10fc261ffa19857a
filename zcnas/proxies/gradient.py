"""Gradient saliency proxies on the cross-entropy pass: grad_norm, snip, plain, fisher, grasp and
the SNR forms snip_snr, snip_snr_log, grasp_snr, grasp_snr_log.

All saliency sums come from the CE pass's single ``zcnas.ops.saliency_stats`` call (θ ⊙ ∂L/∂θ for all
weight layers at once), or from grasp's one call on θ ⊙ Hg. Edge cases: a layer with zero gradient
(for example upstream of an op that multiplies by 0) contributes 0 to every sum here, and its SNR_l is
S_n = 0 (σ = 0); a one-weight layer has σ undefined and SNR_l = S_n.
"""
import numpy as np

from zcnas.aggregate.layerwise import SUM, SUM_ABS, SUM_G2, _log_terms, layer_snr, snr_log_score, snr_score
from zcnas.engine.types import Pass, PassOutputs, ProxyResult
from zcnas.proxies.registry import proxy, result


@proxy("grad_norm", needs={Pass.CE_BACKWARD})
def grad_norm(out: PassOutputs) -> ProxyResult:
    """Σ_l ‖∂L/∂W_l‖_F (a sum of per-layer norms, not a global norm). Per layer: ‖∂L/∂W_l‖_F."""
    per = np.sqrt(out.ce_stats[:, SUM_G2])
    return result(per.sum(), per)


@proxy("snip", needs={Pass.CE_BACKWARD})
def snip(out: PassOutputs) -> ProxyResult:
    """Σ_l Σ |W_l ⊙ ∂L/∂W_l|. Per layer: Σ |W_l ⊙ ∂L/∂W_l|."""
    per = out.ce_stats[:, SUM_ABS]
    return result(per.sum(), per)


@proxy("plain", needs={Pass.CE_BACKWARD})
def plain(out: PassOutputs) -> ProxyResult:
    """Σ_l Σ W_l ⊙ ∂L/∂W_l (signed). Per layer: Σ W_l ⊙ ∂L/∂W_l."""
    per = out.ce_stats[:, SUM]
    return result(per.sum(), per)


@proxy("fisher", needs={Pass.CE_BACKWARD, Pass.FISHER})
def fisher(out: PassOutputs) -> ProxyResult:
    """Σ_l Σ_k 0.5·mean_n(Σ_hw a·δ)² · fan_in, a = weight-layer output (before BN), δ = ∂L/∂a.

    Linear layers: no spatial sum, fan-in = in_features. A layer called several times sums its
    calls. Zero δ (output independent of the layer) gives 0. Per layer: the layer value.
    """
    per = out.fisher_per_layer
    return result(per.sum(), per)


@proxy("grasp", needs={Pass.CE_BACKWARD, Pass.HESSIAN_VECTOR})
def grasp(out: PassOutputs) -> ProxyResult:
    """Σ_l Σ −W_l ⊙ (Hg)_l with g = ∂L/∂W (detached) and Hg = ∂(Σ g·∂L/∂W)/∂W, the exact
    Hessian-vector product from a second backward through the create_graph CE gradients of the
    same forward. Per layer: Σ −W_l ⊙ (Hg)_l."""
    per = -out.grasp_stats[:, SUM]
    return result(per.sum(), per)


def _snr(stats) -> ProxyResult:
    per = layer_snr(stats)
    return result(snr_score(per), per)


def _snr_log(stats) -> ProxyResult:
    per = layer_snr(stats)
    return result(snr_log_score(per), _log_terms(per))


@proxy("snip_snr", needs={Pass.CE_BACKWARD})
def snip_snr(out: PassOutputs) -> ProxyResult:
    """Σ_l SNR_l with S = |θ ⊙ ∂L/∂θ| (zcnas.aggregate.layer_snr). Per layer: SNR_l."""
    return _snr(out.ce_stats)


@proxy("snip_snr_log", needs={Pass.CE_BACKWARD})
def snip_snr_log(out: PassOutputs) -> ProxyResult:
    """Σ_l log SNR_l over layers with SNR_l > 0 and finite (0 if none). Per layer: log SNR_l, NaN for
    the excluded layers (for example zero-gradient layers, SNR_l = 0)."""
    return _snr_log(out.ce_stats)


@proxy("grasp_snr", needs={Pass.CE_BACKWARD, Pass.HESSIAN_VECTOR})
def grasp_snr(out: PassOutputs) -> ProxyResult:
    """Σ_l SNR_l with S = |θ ⊙ Hg|. Per layer: SNR_l."""
    return _snr(out.grasp_stats)


@proxy("grasp_snr_log", needs={Pass.CE_BACKWARD, Pass.HESSIAN_VECTOR})
def grasp_snr_log(out: PassOutputs) -> ProxyResult:
    """Σ_l log SNR_l with S = |θ ⊙ Hg| over layers with SNR_l > 0 and finite. Per layer: log SNR_l,
    NaN where excluded."""
    return _snr_log(out.grasp_stats)
