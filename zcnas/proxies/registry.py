"""The proxy registry: ``@proxy(name, needs={Pass...})`` registers a function PassOutputs → ProxyResult."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from zcnas.engine.types import Pass, PassOutputs, ProxyResult

ProxyFn = Callable[[PassOutputs], ProxyResult]


@dataclass(frozen=True)
class ProxySpec:
    """A registered proxy: its name, the passes it reads, and the function computing it."""

    name: str
    needs: frozenset[Pass]
    fn: ProxyFn


REGISTRY: dict[str, ProxySpec] = {}


def proxy(name: str, needs: Iterable[Pass] = ()) -> Callable[[ProxyFn], ProxyFn]:
    """Register ``fn`` as proxy ``name`` reading the outputs of ``needs`` (Pass.MODEL always runs)."""

    def register(fn: ProxyFn) -> ProxyFn:
        if name in REGISTRY:
            raise ValueError(f"proxy {name!r} registered twice")
        REGISTRY[name] = ProxySpec(name, frozenset(needs) | {Pass.MODEL}, fn)
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
