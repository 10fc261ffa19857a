"""Search spaces: one module per space (encode/decode, enumerate/sample, canonical form, model builder).

``get_space(name)`` returns a :class:`SearchSpace`; space modules are imported on first use, so importing
this package does not import torch.
"""
from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING

from zcnas.errors import unknown

if TYPE_CHECKING:
    from torch import nn

# name -> (module, class); add a space here when its module lands.
_REGISTRY: dict[str, tuple[str, str]] = {
    "nb201": ("zcnas.spaces.nb201", "NB201Space"),
}


class SearchSpace(ABC):
    """The interface every search space implements. Architectures are strings (the space's own format)."""

    name: str
    datasets: tuple[str, ...]

    @abstractmethod
    def validate(self, arch: str) -> str:
        """The normalised arch string; ``UserError`` naming the bad string and the expected format."""

    @abstractmethod
    def all(self) -> list[str]:
        """Every architecture of the space, in the space's official index order."""

    @abstractmethod
    def sample(self, n: int, seed: int) -> list[str]:
        """``n`` distinct architectures drawn uniformly without replacement, deterministic given ``seed``."""

    @abstractmethod
    def canonical(self, arch: str) -> str:
        """A string naming the isomorphism class of ``arch`` (equal for isomorphic cells)."""

    @abstractmethod
    def build(self, arch: str, dataset: str) -> nn.Module:
        """A freshly initialised network (the caller seeds torch first); input [B, *input_shape]."""

    @abstractmethod
    def input_shape(self, dataset: str) -> tuple[int, int, int]:
        """(C, H, W) of one input image for ``dataset``."""

    @abstractmethod
    def num_classes(self, dataset: str) -> int:
        """Number of output logits for ``dataset``."""

    def representatives(self, archs: Iterable[str]) -> dict[str, str]:
        """``{canonical: arch}`` keeping the first member of each class in the order of ``archs``.

        Pass ``self.all()`` to get the lowest-index member of every class (score each class once).
        """
        reps: dict[str, str] = {}
        for arch in archs:
            reps.setdefault(self.canonical(arch), self.validate(arch))
        return reps


def available() -> list[str]:
    """Names accepted by :func:`get_space`."""
    return sorted(_REGISTRY)


def get_space(name: str) -> SearchSpace:
    """The search space called ``name`` (case-insensitive); ``UserError`` for an unknown name."""
    key = name.lower() if isinstance(name, str) else name
    if key not in _REGISTRY:
        raise unknown("space", name, available())
    module, cls = _REGISTRY[key]
    return getattr(importlib.import_module(module), cls)()
