"""Fixtures for the op tests. Without CUDA, Triton kernels run under its CPU interpreter: the variable
must be set before triton is first imported (zcnas imports triton only when a triton op runs)."""
import importlib.util
import os

import pytest
import torch

if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")

from zcnas.ops._backend import cpp_unavailable_reason  # noqa: E402


def _triton_skip_reason() -> str | None:
    if importlib.util.find_spec("triton") is None:
        return "triton not installed"
    if not torch.cuda.is_available() and os.environ.get("TRITON_INTERPRET") != "1":
        return "no CUDA and TRITON_INTERPRET is not 1"
    return None


def backend_params(small: bool = False):
    """pytest params for every backend; unavailable ones are skipped with the reason."""
    cpp_reason = cpp_unavailable_reason()
    triton_reason = _triton_skip_reason()
    return [
        pytest.param("torch", id="torch"),
        pytest.param("cpp", id="cpp", marks=pytest.mark.skipif(cpp_reason is not None, reason=str(cpp_reason))),
        pytest.param("triton", id="triton",
                     marks=pytest.mark.skipif(triton_reason is not None, reason=str(triton_reason))),
    ]


@pytest.fixture
def device() -> torch.device:
    """Where triton inputs live: CUDA when present, else CPU under the interpreter."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def cpp_isas() -> list[str]:
    """Instruction-set paths of the C++ ops this CPU can run (empty without the extension)."""
    if cpp_unavailable_reason() is not None:
        return []
    from zcnas import _C

    return list(_C.hamming_isas())
