"""T-CET: the layer-wise dot product of a saliency SNR and Lnwot (Xiang et al., AutoML-Conf 2023).

SNR_l and Lnwot_l are paired by the layer's qualified module name (dicts keyed by the module, never
by position in two independently built lists). Edge cases follow the two factors: SNR_l = S_n for a
one-weight layer or σ = 0; Lnwot_l = 0 for a singular kernel, so that layer adds 0.
"""
from zcnas.aggregate.layerwise import layer_snr, tcet, tcet_log, tcet_log_terms, tcet_terms
from zcnas.engine.types import Pass, PassOutputs, ProxyResult
from zcnas.proxies.nwot import lnwot_by_layer
from zcnas.proxies.registry import proxy, result


def _snip_snr(out: PassOutputs) -> dict[str, float]:
    return dict(zip(out.layer_names, layer_snr(out.ce_stats)))


def _synflow_snr(out: PassOutputs) -> dict[str, float]:
    return dict(zip(out.synflow_layer_names, layer_snr(out.synflow_stats)))


def _ordered(mapping: dict, names) -> dict:
    """mapping in the order of names (the caller's weight layers), checking they are the same set."""
    if set(mapping) != set(names):
        raise ValueError(f"layer sets differ: {sorted(set(mapping) ^ set(names))}")
    return {n: mapping[n] for n in names}


def _tcet(snr: dict, out: PassOutputs, log: bool) -> ProxyResult:
    snr = _ordered(snr, out.layer_names)
    lnwot = lnwot_by_layer(out)
    if log:
        return result(tcet_log(snr, lnwot), tcet_log_terms(snr, lnwot))
    return result(tcet(snr, lnwot), tcet_terms(snr, lnwot))


@proxy("tcet_snip", needs={Pass.CE_BACKWARD, Pass.LAYER_CODES})
def tcet_snip(out: PassOutputs) -> ProxyResult:
    """Σ_l SNR_l(snip) · Lnwot_l; both from the one CE forward. Per layer: SNR_l · Lnwot_l."""
    return _tcet(_snip_snr(out), out, log=False)


@proxy("tcet_synflow", needs={Pass.SYNFLOW, Pass.LAYER_CODES})
def tcet_synflow(out: PassOutputs) -> ProxyResult:
    """Σ_l SNR_l(synflow) · Lnwot_l. Per layer: SNR_l · Lnwot_l."""
    return _tcet(_synflow_snr(out), out, log=False)


@proxy("tcet_snip_log", needs={Pass.CE_BACKWARD, Pass.LAYER_CODES})
def tcet_snip_log(out: PassOutputs) -> ProxyResult:
    """Σ_l log(SNR_l(snip)) · Lnwot_l over layers with SNR_l > 0 and finite. Per layer: the term,
    NaN where excluded."""
    return _tcet(_snip_snr(out), out, log=True)


@proxy("tcet_synflow_log", needs={Pass.SYNFLOW, Pass.LAYER_CODES})
def tcet_synflow_log(out: PassOutputs) -> ProxyResult:
    """Σ_l log(SNR_l(synflow)) · Lnwot_l over layers with SNR_l > 0 and finite. Per layer: the term,
    NaN where excluded."""
    return _tcet(_synflow_snr(out), out, log=True)
