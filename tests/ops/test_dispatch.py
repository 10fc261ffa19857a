"""Backend selection: auto picks cpp on CPU, unavailable backends raise with the reason, fallbacks log once,
and the package imports without the extension or triton."""
import logging
import subprocess
import sys

import pytest
import torch

from conftest import cpp_isas
from zcnas.errors import UserError
from zcnas.ops import _backend, hamming_gram, logdet_psd, pack_signs, reference, saliency_stats


@pytest.fixture
def no_extension(monkeypatch):
    monkeypatch.setattr(_backend, "_cpp", None)
    monkeypatch.setattr(_backend, "_cpp_error", "ImportError: simulated")
    monkeypatch.setattr(_backend, "_logged", set())


@pytest.mark.skipif(not cpp_isas(), reason="zcnas._C not built")
def test_auto_picks_cpp_on_cpu():
    assert _backend.resolve("pack_signs", "auto", torch.ones(2)) == "cpp"


def test_unknown_backend_is_a_user_error():
    with pytest.raises(UserError, match="unknown backend 'cuda'; accepted: auto, cpp, triton, torch"):
        pack_signs(torch.ones(2, 3), backend="cuda")


def test_missing_extension_raises_and_auto_falls_back_once(no_extension, caplog):
    x = torch.randn(3, 70)
    with pytest.raises(RuntimeError, match=r"zcnas\._C not built: ImportError: simulated"):
        pack_signs(x, backend="cpp")
    with caplog.at_level(logging.WARNING, logger="zcnas.ops"):
        for _ in range(3):
            assert torch.equal(pack_signs(x), reference.pack_signs(x))
    assert sum("zcnas._C not built" in r.getMessage() for r in caplog.records) == 1


def test_triton_needs_cuda_or_interpreter(monkeypatch):
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    with pytest.raises(RuntimeError, match="triton backend needs CUDA tensors"):
        hamming_gram(torch.zeros(1, 2, 1, dtype=torch.int64), 64, backend="triton")


def test_triton_not_installed(monkeypatch):
    monkeypatch.setattr(_backend.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError, match="triton not installed"):
        saliency_stats(torch.ones(3), torch.ones(3), torch.tensor([0, 3]), backend="triton")


def test_logdet_has_only_the_torch_backend():
    k = torch.eye(3, dtype=torch.int64) * 2
    assert torch.equal(logdet_psd(k)[0], reference.logdet_psd(k)[0])
    with pytest.raises(RuntimeError, match="no cpp backend|not built"):
        logdet_psd(k, backend="cpp")


def test_imports_without_extension_and_triton():
    code = (
        "import sys; sys.modules['zcnas._C'] = None; sys.modules['triton'] = None\n"
        "import torch, zcnas.ops as ops\n"
        "x = torch.randn(2, 100)\n"
        "assert torch.equal(ops.pack_signs(x), ops.reference.pack_signs(x))\n"
        "try:\n    ops.pack_signs(x, backend='cpp')\nexcept RuntimeError as e:\n    assert 'not built' in str(e)\n"
        "else:\n    raise SystemExit('cpp did not raise')\n"
        "try:\n    ops.pack_signs(x, backend='triton')\nexcept RuntimeError as e:\n    assert 'triton not installed' in str(e)\n"
        "else:\n    raise SystemExit('triton did not raise')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
