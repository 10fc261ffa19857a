import pytest

from zcnas.paths import data_root


@pytest.fixture
def data_dir():
    """The shared benchmark data folder; tests that need it skip with a clear message when absent."""
    root = data_root()
    if root is None:
        pytest.skip("benchmark data not found: set ZCNAS_DATA or place it at ../shared/data")
    return root
