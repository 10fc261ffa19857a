"""The vocabulary shared by the pass plan and the proxies: passes, results, and the pass outputs.

A proxy is a pure function from :class:`PassOutputs` (what the shared passes computed for one model) to a
:class:`ProxyResult`. It declares the passes it reads with :class:`Pass` members; the plan runs each
distinct pass once per model and fills only the fields of the passes it ran.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np
import torch


class Pass(enum.Enum):
    """The shared computations of one model, each run at most once per ``Plan.score`` call.

    Passes marked "main forward" ride on ONE train-mode forward of batch 0 (hooks on that forward; the
    backwards are ``torch.autograd.grad`` calls on its graph).
    """

    MODEL = "model"  # no data: weight-layer list, parameter count, flat weights
    CE_BACKWARD = "ce_backward"  # main forward + ∂(mean CE)/∂W_l, saliency stats of θ⊙g
    RELU_CODES = "relu_codes"  # main forward: packed 1[x>0] of every nn.ReLU input (nwot)
    LAYER_CODES = "layer_codes"  # main forward: packed 1[out>0] of every weight-layer output (lnwot)
    FISHER = "fisher"  # main forward + the CE backward: weight-layer outputs and ∂L/∂out
    SHAPES = "shapes"  # main forward: weight-layer output shapes (flops)
    INPUT_JACOBIAN = "input_jacobian"  # main forward with x.requires_grad + backward of Σ logits to x
    HESSIAN_VECTOR = "hessian_vector"  # CE grads with create_graph + one more backward: Hg (grasp)
    SYNFLOW = "synflow"  # float64 BN-free abs copy, ones input: forward + backward of Σ output
    ZEN = "zen"  # Gaussian-init copy: two no-grad forwards
    SECOND_BATCH = "second_batch"  # CE forward + backward on batch 1 (zico)


# Passes that need the main forward of batch 0, and those among them that need the CE backward.
MAIN_FORWARD = frozenset(
    {Pass.CE_BACKWARD, Pass.RELU_CODES, Pass.LAYER_CODES, Pass.FISHER, Pass.SHAPES,
     Pass.INPUT_JACOBIAN, Pass.HESSIAN_VECTOR}
)
CE_GRADIENT = frozenset({Pass.CE_BACKWARD, Pass.FISHER, Pass.HESSIAN_VECTOR, Pass.SECOND_BATCH})


@dataclass(frozen=True)
class ProxyResult:
    """One proxy's score for one model.

    value: the scalar (NaN on failure). per_layer: float64 [L] over the weight layers in registration
    order (``PassOutputs.layer_names``), or None where the proxy has none. error: None, or why the value
    is NaN.
    """

    value: float
    per_layer: np.ndarray | None
    error: str | None


@dataclass
class PassOutputs:
    """What the passes left for the proxies. Fields of passes that did not run stay None.

    L weight layers (every nn.Conv2d / nn.Linear ``.weight``, module registration order), N samples of
    batch 0. Stats arrays are ``zcnas.ops.saliency_stats`` rows: float64 [L, 6], columns
    ``zcnas.ops.STAT_COLUMNS``.
    """

    backend: str = "auto"  # zcnas.ops backend for saliency_stats, pack_signs, hamming_gram
    # Pass.MODEL
    layer_names: tuple[str, ...] = ()
    offsets: torch.Tensor | None = None  # int64 [L+1] element offsets of the flat weight buffer
    param_count: int | None = None  # all parameters of the model (conv, linear, BN affine, ...)
    weight_stats: np.ndarray | None = None  # [L, 6], only the sum_t2 column is meaningful
    # main forward
    num_classes: int | None = None
    flops_per_layer: np.ndarray | None = None  # float64 [L] multiply-accumulates per sample
    relu_codes: torch.Tensor | None = None  # int64 [N, W] all ReLU calls' codes (units in memory order)
    relu_units: int | None = None  # real (unpadded) units over all ReLU calls
    relu_calls: int = 0
    layer_codes: torch.Tensor | None = None  # int64 [N, W] per weight layer, concatenated
    layer_code_segments: torch.Tensor | None = None  # int64 [L+1] word offsets per layer
    layer_units: torch.Tensor | None = None  # int64 [L] real units per layer
    # CE backward on batch 0
    loss: float | None = None
    ce_grads: torch.Tensor | None = None  # flat [T] ∂L/∂W, same layout as offsets
    ce_stats: np.ndarray | None = None
    fisher_per_layer: np.ndarray | None = None  # float64 [L]
    grasp_stats: np.ndarray | None = None  # stats of θ ⊙ Hg
    jacobian: np.ndarray | None = None  # float64 [N, C·H·W] ∂(Σ logits)/∂x
    labels: np.ndarray | None = None  # int64 [N] labels of batch 0
    # other passes
    synflow_layer_names: tuple[str, ...] = ()
    synflow_stats: np.ndarray | None = None  # stats of |θ| ⊙ ∂R/∂θ on the float64 copy
    zen_delta: float | None = None
    zen_bn_log: float | None = None
    zen_bn_count: int = 0
    second_grads: torch.Tensor | None = None  # flat [T] ∂L/∂W on batch 1
    extra: dict = field(default_factory=dict)
