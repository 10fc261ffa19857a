"""Synflow and its SNR forms, from the float64 BN-free absolute-value copy (Pass.SYNFLOW).

The per-layer vectors follow the weight layers of the caller's model (PassOutputs.layer_names),
matched to the copy's layers by qualified name. A layer R does not depend on (for example before an
op multiplying by 0) has ∂R/∂θ = 0: it contributes 0, and its SNR_l is S_n = 0.
"""
import numpy as np

from zcnas.aggregate.layerwise import SUM_ABS, _log_terms, layer_snr, snr_log_score, snr_score
from zcnas.engine.types import Pass, PassOutputs, ProxyResult
from zcnas.proxies.registry import proxy, result


def synflow_stats_by_layer(out: PassOutputs) -> np.ndarray:
    """The synflow stats rows reordered to PassOutputs.layer_names (matched by qualified name)."""
    rows = dict(zip(out.synflow_layer_names, out.synflow_stats))
    missing = [n for n in out.layer_names if n not in rows]
    if missing:
        raise ValueError(f"synflow copy lacks weight layers {missing}")
    return np.stack([rows[n] for n in out.layer_names]) if out.layer_names else np.zeros((0, 6))


@proxy("synflow", needs={Pass.SYNFLOW})
def synflow(out: PassOutputs) -> ProxyResult:
    """Σ_l Σ |W_l ⊙ ∂R/∂W_l| on the copy (BN = identity, |params|, |buffers|, float64, eval mode),
    input ones(1, C, H, W), R = Σ output. Kept in float64 (values reach 1e30–1e60). Per layer: the
    layer sums."""
    per = synflow_stats_by_layer(out)[:, SUM_ABS]
    return result(per.sum(), per)


@proxy("synflow_snr", needs={Pass.SYNFLOW})
def synflow_snr(out: PassOutputs) -> ProxyResult:
    """Σ_l SNR_l with S = |θ ⊙ ∂R/∂θ| from the synflow setup. Per layer: SNR_l."""
    per = layer_snr(synflow_stats_by_layer(out))
    return result(snr_score(per), per)


@proxy("synflow_snr_log", needs={Pass.SYNFLOW})
def synflow_snr_log(out: PassOutputs) -> ProxyResult:
    """Σ_l log SNR_l (synflow saliency) over layers with SNR_l > 0 and finite. Per layer: log SNR_l,
    NaN where excluded."""
    per = layer_snr(synflow_stats_by_layer(out))
    return result(snr_log_score(per), _log_terms(per))
