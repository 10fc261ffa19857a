"""Where the shared benchmark data lives: $ZCNAS_DATA, else ../shared/data beside the source checkout."""
import os
from pathlib import Path

_CHECKOUT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def data_root() -> Path | None:
    """The benchmark data folder, or None when neither $ZCNAS_DATA nor ../shared/data exists."""
    env = os.environ.get("ZCNAS_DATA")
    if env:
        return Path(env) if Path(env).is_dir() else None
    return _CHECKOUT_DATA if _CHECKOUT_DATA.is_dir() else None


def data_file(relative: str) -> Path | None:
    """A file under the data root (for example ``nb201/nb201_ground_truth.csv``), or None if absent."""
    root = data_root()
    if root is None:
        return None
    path = root / relative
    return path if path.exists() else None
