"""Backend selection shared by the ops: "auto" | "cpp" | "triton" | "torch".

``auto`` picks triton for CUDA tensors, the C++ extension (``zcnas._C``) for CPU tensors, and the torch
reference otherwise, logging once per (op, reason) when it falls back. An explicitly requested backend
that cannot run raises ``RuntimeError`` with the reason. Nothing is imported or probed until an op
runs: the package imports without the extension and without triton.
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
import os
from types import ModuleType

import torch

from zcnas.errors import unknown

log = logging.getLogger("zcnas.ops")

BACKENDS = ("auto", "cpp", "triton", "torch")

_cpp: ModuleType | None = None
_cpp_error: str | None = None
_logged: set[tuple[str, str]] = set()


def cpp_module() -> ModuleType:
    """The C++ extension ``zcnas._C``; RuntimeError naming the import error when it is not built."""
    global _cpp, _cpp_error
    if _cpp is None and _cpp_error is None:
        try:
            _cpp = importlib.import_module("zcnas._C")
        except ImportError as err:
            _cpp_error = f"{type(err).__name__}: {err}"
    if _cpp is None:
        raise RuntimeError(
            f"zcnas._C not built: {_cpp_error} (build it with `ZCNAS_REQUIRE_EXT=1 pip install -e .`)"
        )
    return _cpp


def cpp_unavailable_reason() -> str | None:
    """None when the C++ extension imports, else why not."""
    try:
        cpp_module()
    except RuntimeError as err:
        return str(err)
    return None


def triton_unavailable_reason(on_cuda: bool) -> str | None:
    """None when triton can run on these tensors, else why not (does not import triton)."""
    if importlib.util.find_spec("triton") is None:
        return "triton not installed (pip install triton)"
    if not on_cuda and os.environ.get("TRITON_INTERPRET") != "1":
        return "triton backend needs CUDA tensors (set TRITON_INTERPRET=1 to run on CPU)"
    return None


def kernel_module(name: str) -> ModuleType:
    """``zcnas.kernels.<name>`` (imports triton); RuntimeError with the import error otherwise."""
    try:
        return importlib.import_module(f"zcnas.kernels.{name}")
    except ImportError as err:
        raise RuntimeError(f"triton kernels unavailable: {type(err).__name__}: {err}") from err


def _log_once(op: str, message: str) -> None:
    if (op, message) not in _logged:
        _logged.add((op, message))
        log.warning("%s: %s", op, message)


def resolve(op: str, backend: str, *tensors: torch.Tensor) -> str:
    """The backend that runs ``op`` on ``tensors``: "cpp", "triton" or "torch".

    Raises UserError for an unknown backend name and RuntimeError (with the reason) when an explicitly
    requested backend cannot run.
    """
    if backend not in BACKENDS:
        raise unknown("backend", backend, BACKENDS)
    on_cuda = any(t.is_cuda for t in tensors)
    if backend == "torch":
        return "torch"
    if backend == "cpp":
        if any(t.device.type != "cpu" for t in tensors):
            raise RuntimeError(f"{op}: the cpp backend needs CPU tensors")
        cpp_module()
        return "cpp"
    if backend == "triton":
        reason = triton_unavailable_reason(on_cuda)
        if reason is not None:
            raise RuntimeError(f"{op}: {reason}")
        return "triton"
    # auto
    if on_cuda:
        reason = triton_unavailable_reason(True)
        if reason is None:
            return "triton"
        _log_once(op, f"{reason}; using the torch reference on CUDA")
        return "torch"
    if all(t.device.type == "cpu" for t in tensors):
        reason = cpp_unavailable_reason()
        if reason is None:
            return "cpp"
        _log_once(op, f"{reason}; using the torch reference")
    return "torch"
