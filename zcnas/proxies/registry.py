"""The proxy registry: ``@proxy(name, needs={Pass...})`` registers a function PassOutputs → ProxyResult."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from zcnas.engine.types import Pass, PassOutputs, ProxyResult

ProxyFn = Callable[[PassOutputs], ProxyResult]


@dataclass(frozen=True)
class ProxySpec:
    """A registered proxy: its name, the passes it reads, and the function computing it.

    per_member: the value is a count over the architecture's own network (params, flops), which can
    differ between members of one isomorphism class (operations on edges that no path uses still have
    parameters), so a run computes it for every member instead of once per class.
    """

    name: str
    needs: frozenset[Pass]
    fn: ProxyFn
    per_member: bool = False


REGISTRY: dict[str, ProxySpec] = {}


def proxy(name: str, needs: Iterable[Pass] = (), per_member: bool = False) -> Callable[[ProxyFn], ProxyFn]:
    """Register ``fn`` as proxy ``name`` reading the outputs of ``needs`` (Pass.MODEL always runs);
    ``per_member``: see ProxySpec."""

    def register(fn: ProxyFn) -> ProxyFn:
        if name in REGISTRY:
            raise ValueError(f"proxy {name!r} registered twice")
        REGISTRY[name] = ProxySpec(name, frozenset(needs) | {Pass.MODEL}, fn, per_member)
        return fn

    return register


def available() -> list[str]:
    """Names of all registered proxies, sorted."""
    return sorted(REGISTRY)


def result(value: float, per_layer=None, error: str | None = None) -> ProxyResult:
    """A ProxyResult with value as a Python float and per_layer as float64 numpy (or None)."""
    import numpy as np

    per = None if per_layer is None else np.asarray(per_layer, dtype=np.float64)
    return ProxyResult(float(value), per, error)


def failure(reason: str, per_layer=None) -> ProxyResult:
    """A NaN result with its reason (and the per-layer values computed so far, if any)."""
    return result(float("nan"), per_layer, reason)
