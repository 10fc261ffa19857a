"""The pass plan: runs the shared passes of a model once and feeds every requested proxy.

Public: :class:`Plan`, :class:`ProxyResult`, :class:`Pass`, :class:`PassOutputs`.

Which proxies share which pass (each pass runs at most once per ``Plan.score``):

- ``MODEL`` (no data, no forward): params, l2_norm (and the layer list every proxy uses).
- main forward: ONE train-mode forward of batch 0 (mean CE), with hooks riding on it:
  ``RELU_CODES`` nwot (nn.ReLU inputs, packed); ``LAYER_CODES`` lnwot, tcet_* (weight-layer outputs,
  packed); ``SHAPES`` flops; ``FISHER`` fisher (weight-layer outputs kept for δ). Backwards on that
  graph, each one ``torch.autograd.grad`` call:
  ``CE_BACKWARD`` ∂L/∂W (+ ∂L/∂a for fisher in the same call): grad_norm, snip, plain, fisher,
  snip_snr(_log), tcet_snip(_log), zico's first batch;
  ``INPUT_JACOBIAN`` ∂(Σ logits)/∂x: jacob_cov, epe_nas;
  ``HESSIAN_VECTOR`` (CE grads taken with create_graph) Hg: grasp, grasp_snr(_log).
- ``SYNFLOW`` (float64 BN-free abs copy, 1 forward + 1 backward): synflow, synflow_snr(_log),
  tcet_synflow(_log).
- ``ZEN`` (Gaussian copy, 2 no-grad forwards): zen.
- ``SECOND_BATCH`` (batch 1, 1 forward + 1 backward): zico.

All proxies together: 5 forwards and 5 backwards per model.
"""
from zcnas.engine.types import Pass, PassOutputs, ProxyResult
from zcnas.engine.plan import Plan

__all__ = ["Plan", "Pass", "PassOutputs", "ProxyResult"]
