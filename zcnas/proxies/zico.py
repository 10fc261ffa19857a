"""ZiCo (Pass.CE_BACKWARD + Pass.SECOND_BATCH): inverse coefficient of variation of gradients."""
import numpy as np
import torch

from zcnas.engine.types import Pass, PassOutputs, ProxyResult
from zcnas.proxies.registry import failure, proxy, result


@proxy("zico", needs={Pass.CE_BACKWARD, Pass.SECOND_BATCH})
def zico(out: PassOutputs) -> ProxyResult:
    """Per weight element, over the two batches' CE gradients g₁ (batch 0) and g₂ (batch 1):
    μ = mean |g|, σ = population std of g = |g₁ − g₂|/2. Per layer log Σ_{σ>0} μ/σ; score Σ over the
    layers that have any σ > 0. Per layer: the layer's log term, NaN for layers without σ > 0 (for
    example zero-gradient layers, excluded from the sum). No layer with σ > 0 → NaN with a reason.
    """
    g1 = out.ce_grads.to(torch.float64)
    g2 = out.second_grads.to(torch.float64)
    mu = 0.5 * (g1.abs() + g2.abs())
    sigma = 0.5 * (g1 - g2).abs()
    keep = sigma > 0
    ratio = torch.where(keep, mu / torch.where(keep, sigma, torch.ones_like(sigma)), torch.zeros_like(mu))
    sizes = out.offsets.diff()
    seg = torch.repeat_interleave(torch.arange(sizes.numel()), sizes).to(ratio.device)
    sums = torch.zeros(sizes.numel(), dtype=torch.float64, device=ratio.device).index_add_(0, seg, ratio)
    any_kept = torch.zeros(sizes.numel(), dtype=torch.float64, device=ratio.device).index_add_(
        0, seg, keep.to(torch.float64)) > 0
    sums, any_kept = sums.cpu().numpy(), any_kept.cpu().numpy()
    per = np.where(any_kept, np.log(np.where(any_kept, sums, 1.0)), np.nan)
    if not any_kept.any():
        return failure("zico: no weight has different gradients on the two batches", per)
    return result(np.nansum(per), per)
