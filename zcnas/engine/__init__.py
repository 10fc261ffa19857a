"""The pass plan: runs the shared passes of a model once and feeds every requested proxy.

Public: :class:`Plan`, :class:`ProxyResult`, :class:`Pass`, :class:`PassOutputs`.
"""
from zcnas.engine.types import Pass, PassOutputs, ProxyResult
from zcnas.engine.plan import Plan

__all__ = ["Plan", "Pass", "PassOutputs", "ProxyResult"]
