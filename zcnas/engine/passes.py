"""The shared passes: each runs once per model and fills its fields of :class:`PassOutputs`.

Every pass works on a private copy of the caller's model (``copy.deepcopy``), so the caller's weights,
BN buffers, training flag, hooks, requires_grad and ``.grad`` are never touched. Gradients are taken
with ``torch.autograd.grad`` (``.grad`` fields stay as they are). Hooks are removed before a pass ends.
"""
from __future__ import annotations

import copy
import math
from collections import Counter
from typing import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.modules.batchnorm import _BatchNorm

from zcnas import ops
from zcnas.engine.types import Pass, PassOutputs

WEIGHT_LAYER_TYPES = (nn.Conv2d, nn.Linear)


def weight_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """(qualified name, module) of every nn.Conv2d / nn.Linear with a weight, in registration order."""
    return [
        (name, m) for name, m in model.named_modules()
        if isinstance(m, WEIGHT_LAYER_TYPES) and getattr(m, "weight", None) is not None
    ]


def fan_in(m: nn.Module) -> int:
    """Inputs per output unit: C_in/groups·kh·kw for a conv, in_features for a linear layer."""
    if isinstance(m, nn.Conv2d):
        return (m.in_channels // m.groups) * math.prod(m.kernel_size)
    return m.in_features


def logits_of(output) -> torch.Tensor:
    """The logits of a model's output: the output itself, or the last element of a tuple/list."""
    if isinstance(output, (tuple, list)):
        output = output[-1]
    if not isinstance(output, torch.Tensor) or output.dim() != 2:
        raise ValueError(f"model output must be logits [N, classes]; got {type(output).__name__} "
                         f"{tuple(getattr(output, 'shape', ()))}")
    return output


def grads_or_zeros(out: torch.Tensor, inputs: Sequence[torch.Tensor], **kwargs) -> list[torch.Tensor]:
    """torch.autograd.grad with zeros for inputs out does not depend on (or an out without a graph)."""
    if not out.requires_grad:
        return [torch.zeros_like(t) for t in inputs]
    grads = torch.autograd.grad(out, list(inputs), allow_unused=True, **kwargs)
    return [torch.zeros_like(t) if g is None else g for g, t in zip(grads, inputs)]


def flat(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """One flat buffer of the tensors (their layout is PassOutputs.offsets)."""
    if not tensors:
        return torch.zeros(0)
    return torch.cat([t.reshape(-1) for t in tensors])


def segment_offsets(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """int64 [L+1] offsets of each tensor in the flat buffer."""
    sizes = torch.tensor([0] + [t.numel() for t in tensors], dtype=torch.int64)
    return sizes.cumsum(0)


def stats_of(theta: Sequence[torch.Tensor], grad: Sequence[torch.Tensor], offsets,
             backend: str = "auto") -> np.ndarray:
    """Saliency sums of all layers in ONE zcnas.ops.saliency_stats call: float64 [L, 6]."""
    return ops.saliency_stats(flat(theta), flat(grad), offsets, backend=backend).cpu().numpy()


def model_pass(model: nn.Module, out: PassOutputs) -> None:
    """Pass.MODEL: weight layers, parameter count and Σθ² per layer. No data, no forward."""
    layers = weight_layers(model)
    weights = [m.weight.detach() for _, m in layers]
    out.layer_names = tuple(name for name, _ in layers)
    out.offsets = segment_offsets(weights)
    out.param_count = sum(p.numel() for p in model.parameters())
    out.weight_stats = stats_of(weights, weights, out.offsets, out.backend)


def channels_last_batch(batch):
    """(x, y, ...) with a 4-D x in channels_last memory order; other inputs unchanged."""
    x = batch[0]
    if x.dim() == 4:
        x = x.contiguous(memory_format=torch.channels_last)
    return (x, *batch[1:])


def _to(batch, device) -> tuple[torch.Tensor, torch.Tensor]:
    x, y = batch[0], batch[1]
    return x.to(device), y.to(device)


def main_pass(model: nn.Module, batch, need: set[Pass], out: PassOutputs, counts: Counter) -> None:
    """One train-mode forward of batch 0 with the hooks the passes need, then the backwards they need.

    model is the private copy (it is put in train mode and its weights made to require grad).
    Backwards, each one ``torch.autograd.grad`` call on the same graph:
    1. mean CE → weights (+ weight-layer outputs for fisher), create_graph when grasp is asked for;
    2. Σ logits → x (jacob_cov, epe_nas);
    3. Σ_l g_l.detach()·g_l → weights (the exact Hessian-vector product Hg for grasp).
    """
    device = next(iter(model.parameters()), torch.zeros(0)).device
    x, y = _to(batch, device)
    layers = weight_layers(model)
    weights = [m.weight for _, m in layers]
    n_layers = len(layers)
    ce = bool(need & {Pass.CE_BACKWARD, Pass.FISHER, Pass.HESSIAN_VECTOR})
    jac = Pass.INPUT_JACOBIAN in need
    grad_needed = ce or jac

    relu_codes: list[torch.Tensor] = []
    relu_units = [0]
    layer_codes: list[list[torch.Tensor]] = [[] for _ in range(n_layers)]
    layer_units = [0] * n_layers
    macs = [0.0] * n_layers
    acts: list[tuple[int, torch.Tensor]] = []

    def relu_hook(_module, inputs):
        a = inputs[0].detach()
        relu_codes.append(ops.pack_signs(a, backend=out.backend, order="memory"))
        relu_units[0] += a[0].numel()

    def layer_hook(index: int, module: nn.Module):
        def hook(_module, _inputs, output):
            if Pass.SHAPES in need:
                macs[index] += output[0].numel() * fan_in(module)
            if Pass.LAYER_CODES in need:
                layer_codes[index].append(ops.pack_signs(output.detach(), backend=out.backend, order="memory"))
                layer_units[index] += output[0].numel()
            if Pass.FISHER in need:
                acts.append((index, output))
                return output.clone()  # later in-place ops change the clone, not the saved output
            return None
        return hook

    handles = []
    try:
        if Pass.RELU_CODES in need:
            handles += [m.register_forward_pre_hook(relu_hook) for m in model.modules() if isinstance(m, nn.ReLU)]
        if need & {Pass.SHAPES, Pass.LAYER_CODES, Pass.FISHER}:
            handles += [m.register_forward_hook(layer_hook(i, m)) for i, (_, m) in enumerate(layers)]
        model.train()
        for w in weights:
            w.requires_grad_(True)
        if jac:
            x = x.detach().clone().requires_grad_(True)
        with torch.set_grad_enabled(grad_needed):
            logits = logits_of(model(x))
        counts["forwards"] += 1
    finally:
        for h in handles:
            h.remove()

    out.num_classes = int(logits.shape[1])
    out.labels = y.detach().cpu().numpy()
    if Pass.SHAPES in need:
        out.flops_per_layer = np.asarray(macs, dtype=np.float64)
    if Pass.RELU_CODES in need:
        out.relu_calls = len(relu_codes)
        out.relu_units = relu_units[0]
        n = x.shape[0]
        out.relu_codes = (torch.cat(relu_codes, dim=1) if relu_codes
                          else torch.zeros(n, 0, dtype=torch.int64))
    if Pass.LAYER_CODES in need:
        n = x.shape[0]
        per_layer = [torch.cat(c, dim=1) if c else torch.zeros(n, 0, dtype=torch.int64, device=x.device)
                     for c in layer_codes]
        out.layer_codes = torch.cat(per_layer, dim=1) if per_layer else torch.zeros(n, 0, dtype=torch.int64)
        out.layer_code_segments = segment_offsets([c[0] for c in per_layer]) if per_layer else torch.zeros(1, dtype=torch.int64)
        out.layer_units = torch.tensor(layer_units, dtype=torch.int64)

    hessian = Pass.HESSIAN_VECTOR in need
    if ce:
        loss = F.cross_entropy(logits, y)
        out.loss = float(loss.detach())
        act_tensors = [a for _, a in acts]
        grads = grads_or_zeros(loss, weights + act_tensors, retain_graph=jac or hessian, create_graph=hessian)
        counts["backwards"] += 1
        g_w, g_a = grads[:n_layers], grads[n_layers:]
        theta = [w.detach() for w in weights]
        out.ce_grads = flat([g.detach() for g in g_w])
        out.ce_stats = stats_of(theta, [g.detach() for g in g_w], out.offsets, out.backend)
        if Pass.FISHER in need:
            out.fisher_per_layer = _fisher(layers, acts, g_a)
        del acts, act_tensors, g_a
    if jac:
        (jx,) = grads_or_zeros(logits.sum(), [x], retain_graph=hessian)
        counts["backwards"] += 1
        out.jacobian = jx.detach().reshape(jx.shape[0], -1).to(torch.float64).cpu().numpy()
    if hessian:
        z = sum(((g.detach() * g).sum() for g in g_w), torch.zeros((), device=device))
        hg = grads_or_zeros(z, weights)
        counts["backwards"] += 1
        out.grasp_stats = stats_of(theta, [h.detach() for h in hg], out.offsets, out.backend)


def _fisher(layers, acts, act_grads) -> np.ndarray:
    """Per layer Σ_calls Σ_k 0.5·mean_n(Σ_spatial a·δ)² · fan_in (float64 [L])."""
    values = np.zeros(len(layers), dtype=np.float64)
    for (index, a), delta in zip(acts, act_grads):
        # float32 products (exact to 2^-24 each), float64 accumulation: the same figures to 1e-6
        # relative without two float64 copies of every activation.
        prod = a.detach() * delta.detach()
        module = layers[index][1]
        if isinstance(module, nn.Conv2d):  # [N, C, H, W] → [N, C]
            per_channel = prod.sum(dim=tuple(range(2, prod.dim())), dtype=torch.float64)
        else:  # [N, ..., C] → [N, C]
            per_channel = prod.reshape(prod.shape[0], -1, prod.shape[-1]).sum(1, dtype=torch.float64)
        f = 0.5 * per_channel.pow(2).mean(0)
        values[index] += float(f.sum()) * fan_in(module)
    return values


def synflow_pass(model: nn.Module, batch, out: PassOutputs, counts: Counter) -> None:
    """Pass.SYNFLOW on a fresh copy of the caller's model: every BatchNorm replaced by nn.Identity,
    float64, every parameter and buffer made absolute, eval mode (no BN left; dropout off);
    input ones(1, C, H, W); R = Σ output; stats of |θ| ⊙ ∂R/∂θ."""
    net = copy.deepcopy(model)
    _remove_batchnorm(net)
    net = net.double().eval()
    with torch.no_grad():
        for t in list(net.parameters()) + list(net.buffers()):
            t.abs_()
    layers = weight_layers(net)
    weights = [m.weight for _, m in layers]
    for w in weights:
        w.requires_grad_(True)
    device = next(iter(net.parameters()), torch.zeros(0)).device
    shape = (1,) + tuple(batch[0].shape[1:])
    with torch.enable_grad():
        r = logits_of(net(torch.ones(shape, dtype=torch.float64, device=device))).sum()
        counts["forwards"] += 1
        grads = grads_or_zeros(r, weights)
        counts["backwards"] += 1
    out.synflow_layer_names = tuple(name for name, _ in layers)
    out.synflow_stats = stats_of([w.detach() for w in weights], [g.detach() for g in grads],
                                 segment_offsets(weights), out.backend)


def _remove_batchnorm(net: nn.Module) -> None:
    for name, module in list(net.named_modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, _BatchNorm):
                setattr(module, child_name, nn.Identity())


GAP_TYPES = (nn.AdaptiveAvgPool2d, nn.AvgPool2d)


def zen_pass(model: nn.Module, batch, seed: int, out: PassOutputs, counts: Counter) -> None:
    """Pass.ZEN on a fresh copy of the caller's model.

    BN running statistics are reset (as in a freshly built model); conv/linear weights ~ N(0, 1),
    their biases 0, BN weight 1 and bias 0, drawn in registration order from a CPU generator seeded
    with ``seed``; then x₁, x₂ ~ N(0, 1) shaped like batch 0 from the same generator. Two train-mode
    no-grad forwards (x₁ and x₁ + 0.01·x₂); f = the input of the last call of an AdaptiveAvgPool2d or
    AvgPool2d whose output is 1×1 (global average pooling). Fills zen_delta = mean_n Σ|f₁ − f₂| and
    zen_bn_log = Σ_BN log √mean(running_var) over BNs that track running statistics.
    """
    net = copy.deepcopy(model)
    gen = torch.Generator().manual_seed(int(seed))
    device = next(iter(net.parameters()), torch.zeros(0)).device
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, WEIGHT_LAYER_TYPES):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen, dtype=m.weight.dtype))
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, _BatchNorm):
                if m.track_running_stats:
                    m.reset_running_stats()
                if m.affine:
                    m.weight.fill_(1.0)
                    m.bias.zero_()
    x_shape = tuple(batch[0].shape)
    dtype = batch[0].dtype if batch[0].is_floating_point() else torch.float32
    x1 = torch.randn(x_shape, generator=gen, dtype=dtype).to(device)
    x2 = torch.randn(x_shape, generator=gen, dtype=dtype).to(device)

    captured: list[torch.Tensor | None] = [None]

    def hook(_module, inputs, output):
        if output.dim() >= 3 and all(s == 1 for s in output.shape[2:]):
            captured[0] = inputs[0]

    handles = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, GAP_TYPES)]
    feats = []
    try:
        if not handles:
            raise ValueError("zen needs features before global average pooling, "
                             "but the model has no nn.AdaptiveAvgPool2d / nn.AvgPool2d module")
        net.train()
        with torch.no_grad():
            for xi in (x1, x1 + 0.01 * x2):
                captured[0] = None
                net(xi)
                counts["forwards"] += 1
                if captured[0] is None:
                    raise ValueError("zen needs features before global average pooling, but no "
                                     "AdaptiveAvgPool2d / AvgPool2d call had a 1x1 output")
                feats.append(captured[0].to(torch.float64))
    finally:
        for h in handles:
            h.remove()
    diff = (feats[0] - feats[1]).abs()
    out.zen_delta = float(diff.reshape(diff.shape[0], -1).sum(1).mean())
    bn_log, count = 0.0, 0
    for m in net.modules():
        if isinstance(m, _BatchNorm) and m.running_var is not None:
            bn_log += 0.5 * math.log(float(m.running_var.to(torch.float64).mean()))
            count += 1
    out.zen_bn_log = bn_log
    out.zen_bn_count = count


def second_batch_pass(model: nn.Module, batch, out: PassOutputs, counts: Counter) -> None:
    """Pass.SECOND_BATCH: train-mode CE forward + backward on batch 1 of the private copy (zico)."""
    device = next(iter(model.parameters()), torch.zeros(0)).device
    x, y = _to(batch, device)
    weights = [m.weight for _, m in weight_layers(model)]
    for w in weights:
        w.requires_grad_(True)
    model.train()
    with torch.enable_grad():
        loss = F.cross_entropy(logits_of(model(x)), y)
        counts["forwards"] += 1
        grads = grads_or_zeros(loss, weights)
        counts["backwards"] += 1
    out.second_grads = flat([g.detach() for g in grads])
