"""Zero-cost proxies, one module per family, registered by decorator (see ../shared/PROXIES.md).

Each proxy is a function PassOutputs → ProxyResult declaring the passes it reads:
``@proxy("snip", needs={Pass.CE_BACKWARD})``. Score models with :class:`zcnas.engine.Plan`.
"""
from zcnas.proxies.registry import REGISTRY, ProxySpec, available, proxy
from zcnas.proxies import counts, gradient, jacobian, nwot, synflow, tcet, zen, zico  # noqa: F401,E402

__all__ = ["available", "proxy", "REGISTRY", "ProxySpec"]
