"""The usual per-model loop for the eight foresight proxies: the baseline our pass plan is measured against.

As zero-cost NAS codebases commonly do it: for each proxy, build (and seed) the model again, run that
proxy's own passes with Python hooks, and reduce with a Python loop over layers. Definitions follow
../shared/PROXIES.md so the values are comparable with the plan's; only the cost structure differs.
Kept outside the package on purpose: it is a benchmark baseline, not a code path.
"""
from __future__ import annotations

import copy
import math
from typing import Callable

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FORESIGHT = ("grad_norm", "snip", "grasp", "fisher", "jacob_cov", "plain", "synflow", "nwot")


def _weight_layers(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def _weights(model: nn.Module) -> list[torch.Tensor]:
    return [m.weight for m in _weight_layers(model)]


def grad_norm(model, x, y):
    model.train()
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    return sum(w.grad.double().norm().item() for w in _weights(model))


def snip(model, x, y):
    model.train()
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    return sum((w.double() * w.grad.double()).abs().sum().item() for w in _weights(model))


def plain(model, x, y):
    model.train()
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    return sum((w.double() * w.grad.double()).sum().item() for w in _weights(model))


def grasp(model, x, y):
    model.train()
    weights = _weights(model)
    grads = torch.autograd.grad(F.cross_entropy(model(x), y), weights)
    grads = [g.detach() for g in grads]
    grads_graph = torch.autograd.grad(F.cross_entropy(model(x), y), weights, create_graph=True)
    z = sum((g * gg).sum() for g, gg in zip(grads, grads_graph))
    hessian_grad = torch.autograd.grad(z, weights)
    return sum((-w.double() * hg.double()).sum().item() for w, hg in zip(weights, hessian_grad))


def fisher(model, x, y):
    model.train()
    layers = _weight_layers(model)
    activations: dict[nn.Module, torch.Tensor] = {}

    def keep(module, _inputs, output):
        output.retain_grad()
        activations[module] = output

    handles = [m.register_forward_hook(keep) for m in layers]
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    for handle in handles:
        handle.remove()
    total = 0.0
    for module in layers:
        act = activations[module]
        prod = act.double() * act.grad.double()
        per_sample = prod.sum(dim=(2, 3)) if prod.dim() == 4 else prod
        fan_in = module.weight[0].numel()
        total += (0.5 * per_sample.pow(2).mean(0)).sum().item() * fan_in
    return total


def jacob_cov(model, x, y):
    model.train()
    x = x.clone().requires_grad_(True)
    model.zero_grad()
    model(x).sum().backward()
    jac = x.grad.reshape(x.shape[0], -1).double().numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(jac)
    if not np.isfinite(corr).all():  # as foresight: an output that ignores the input scores NaN
        return math.nan
    eig = np.linalg.eigvalsh(corr)
    k = 1e-5
    return float(-np.sum(np.log(eig + k) + 1.0 / (eig + k)))


def synflow(model, x, y):
    model = copy.deepcopy(model).double()
    for name, child in list(model.named_modules()):
        for attr, sub in list(child.named_children()):
            if isinstance(sub, nn.BatchNorm2d):
                setattr(child, attr, nn.Identity())
    with torch.no_grad():
        for tensor in list(model.parameters()) + list(model.buffers()):
            if tensor.is_floating_point():
                tensor.abs_()
    model.zero_grad()
    model(torch.ones(1, *x.shape[1:], dtype=torch.float64)).sum().backward()
    return sum((w * w.grad).abs().sum().item() for w in _weights(model))


def nwot(model, x, y):
    model.train()
    n = x.shape[0]
    kernel = torch.zeros(n, n, dtype=torch.float64)

    def accumulate(_module, inputs, _output):  # as NASLib does it: float32 codes and matmuls
        codes = (inputs[0].reshape(n, -1) > 0).float()
        kernel.add_((codes @ codes.t() + (1 - codes) @ (1 - codes).t()).double())

    handles = [m.register_forward_hook(accumulate) for m in model.modules() if isinstance(m, nn.ReLU)]
    with torch.no_grad():
        model(x)
    for handle in handles:
        handle.remove()
    return torch.linalg.slogdet(kernel).logabsdet.item()


PROXY_FUNCTIONS: dict[str, Callable] = {
    "grad_norm": grad_norm, "snip": snip, "grasp": grasp, "fisher": fisher,
    "jacob_cov": jacob_cov, "plain": plain, "synflow": synflow, "nwot": nwot,
}


def score_per_model(build: Callable[[], nn.Module], x: torch.Tensor, y: torch.Tensor,
                    proxies=FORESIGHT) -> dict[str, float]:
    """Build the model afresh for every proxy and run that proxy's own passes."""
    return {name: PROXY_FUNCTIONS[name](build(), x, y) for name in proxies}
