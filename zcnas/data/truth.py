"""Ground-truth accuracy tables keyed by official architecture strings.

- :func:`load_truth` reads a CSV with an ``arch_str`` column (the shared NB201 / TransNAS tables; metric =
  any other numeric column, default ``test_acc_cifar10`` when present, else the first one) or a
  NAS-Bench-Suite-Zero JSON file ``{dataset: {"(4, 0, 3, 1, 4, 3)": {"val_accuracy": ..., ...}}}`` for
  NB201 (metric ``<dataset>:val_accuracy``, default ``cifar10:val_accuracy`` when present, else the first
  dataset in sorted order; keys are NASLib op tuples, converted to NB201 strings).
- :func:`embedded_truth` reads the ``analog-nasbench`` package's pickle (optional extra ``zcnas[truth]``)
  through a restricted unpickler and returns its ``baseline_accuracy``: an independent 200-epoch CIFAR-10
  retraining of every NB201 cell (Spearman 0.991 with the official NB201 CIFAR-10 test accuracy).
  Its keys are NASLib op tuples in the README's ``naslib_ops`` order (checked in the tests).
"""
from __future__ import annotations

import ast
import csv
import functools
import importlib.metadata
import importlib.util
import json
import logging
import math
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from zcnas.errors import UserError, unknown
from zcnas.spaces.nb201 import from_naslib
from zcnas.paths import data_file

log = logging.getLogger(__name__)

NB201_CSV = "nb201/nb201_ground_truth.csv"
_CSV_KEYS = ("index", "arch_str", "naslib_ops")

@dataclass(frozen=True)
class Truth:
    """Ground truth: values (official arch string -> accuracy, in %), the metric name and its source."""

    values: dict[str, float] = field(repr=False)
    metric: str
    description: str

    def __len__(self) -> int:
        return len(self.values)


def load_truth(path: str | Path, metric: str | None = None) -> Truth:
    """Read a ground-truth CSV (``arch_str`` column) or a NAS-Bench-Suite-Zero JSON file (NB201)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"ground-truth file {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _load_csv(path, metric)
    if suffix == ".json":
        return _load_suite_zero(path, metric)
    raise UserError(f"ground-truth file {str(path)!r} has an unknown format; accepted: .csv, .json")


def _load_csv(path: Path, metric: str | None) -> Truth:
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            columns = list(reader.fieldnames or [])
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise UserError(f"cannot read ground-truth file {path}: {err}") from err
    if "arch_str" not in columns:
        raise UserError(f"ground-truth CSV {path} has no 'arch_str' column; columns: {', '.join(columns)}")
    metrics = [c for c in columns if c not in _CSV_KEYS]
    if metric is None:
        if not metrics:
            raise UserError(f"ground-truth CSV {path} has no metric column")
        metric = "test_acc_cifar10" if "test_acc_cifar10" in metrics else metrics[0]
    if metric not in metrics:
        raise unknown("metric", metric, metrics)
    values = {}
    for row in rows:
        text = (row.get(metric) or "").strip()
        if not text:
            continue
        try:
            value = float(text)
        except ValueError as err:
            raise UserError(f"ground-truth CSV {path}: non-numeric {metric} {text!r}") from err
        if math.isfinite(value):
            values[row["arch_str"]] = value
    log.info("loaded %d ground-truth values (%s) from %s", len(values), metric, path)
    return Truth(values, metric, f"{path.name} {metric}")


def _load_suite_zero(path: Path, metric: str | None) -> Truth:
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UserError(f"cannot read ground-truth file {path}: {err}") from err
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise UserError(
            f"ground-truth JSON {path} is not in the NAS-Bench-Suite-Zero layout {{dataset: {{arch: ...}}}}"
        )
    accepted = [f"{ds}:val_accuracy" for ds in sorted(data)]
    if metric is None:
        if not accepted:
            raise UserError(f"ground-truth JSON {path} holds no dataset")
        metric = "cifar10:val_accuracy" if "cifar10" in data else accepted[0]
    if metric not in accepted:
        raise unknown("metric", metric, accepted)
    dataset = metric.split(":", 1)[0]
    values = {}
    for key, record in data[dataset].items():
        try:
            ops = ast.literal_eval(key)
        except (ValueError, SyntaxError) as err:
            raise UserError(
                f"ground-truth JSON {path}: bad architecture key {key!r}; expected a NASLib op tuple"
            ) from err
        if not isinstance(ops, tuple) or len(ops) != 6:
            raise UserError(
                f"ground-truth JSON {path}: architecture key {key!r} is not an NB201 NASLib op tuple "
                "(6 ints); only NB201 is supported"
            )
        value = record.get("val_accuracy") if isinstance(record, dict) else None
        if isinstance(value, (int, float)) and math.isfinite(value):
            values[from_naslib(ops)] = float(value)
    log.info("loaded %d ground-truth values (%s) from %s", len(values), metric, path)
    return Truth(values, metric, f"NAS-Bench-Suite-Zero {path.name} {metric}")


# --- analog-nasbench ----------------------------------------------------------------------------------


class _Record:
    """Plain attribute holder standing in for an analog-nasbench class (no methods run on load)."""

    def __setstate__(self, state: dict) -> None:
        if not isinstance(state, dict):
            raise pickle.UnpicklingError(f"unexpected state of type {type(state).__name__}")
        self.__dict__.update(state)


class AnalogArchitecture(_Record):
    """analognasbench.data.Architecture: architecture (tuple), baseline_accuracy (%), ... as attributes."""


class AnalogDrift(_Record):
    """analognasbench.data.DriftMeasurement: value, uncertainty."""


class _AnalogUnpickler(pickle.Unpickler):
    """Admits exactly analognasbench.data.Architecture / DriftMeasurement, mapped to plain records."""

    _ALLOWED = {
        ("analognasbench.data", "Architecture"): AnalogArchitecture,
        ("analognasbench.data", "DriftMeasurement"): AnalogDrift,
    }

    def find_class(self, module: str, name: str):
        cls = self._ALLOWED.get((module, name))
        if cls is None:
            raise pickle.UnpicklingError(
                f"analog-nasbench pickle references {module}.{name}, which is not allowed"
            )
        return cls


def load_analog_pickle(f: BinaryIO) -> dict:
    """Load an analog-nasbench pickle through the restricted unpickler (anything else: UnpicklingError)."""
    return _AnalogUnpickler(f).load()


def _analog_file() -> tuple[Path, str]:
    """The analog-nasbench data file and package version, located without importing the package."""
    try:
        spec = importlib.util.find_spec("analognasbench")
        version = importlib.metadata.version("analog-nasbench")
    except (ImportError, ValueError, importlib.metadata.PackageNotFoundError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise UserError(
            "no ground truth: the embedded ground truth needs the optional package analog-nasbench "
            "(pip install 'zcnas[truth]'), or pass a ground-truth file"
        )
    for location in spec.submodule_search_locations:
        path = Path(location) / "data.anb"
        if path.is_file():
            return path, version
    raise UserError("analog-nasbench is installed but its data file data.anb is missing")


@functools.lru_cache(maxsize=1)
def embedded_truth() -> Truth:
    """analog-nasbench ``baseline_accuracy`` of all 15,625 NB201 cells (CIFAR-10, %)."""
    path, version = _analog_file()
    with open(path, "rb") as f:
        data = load_analog_pickle(f)
    if not isinstance(data, dict):
        raise UserError(f"analog-nasbench data {path} is not a dict")
    values = {}
    for key, record in data.items():
        value = getattr(record, "baseline_accuracy", None)
        if isinstance(value, (int, float)) and math.isfinite(value):
            values[from_naslib(key)] = float(value)
    log.info("loaded %d embedded ground-truth values from analog-nasbench %s", len(values), version)
    return Truth(
        values,
        "baseline_accuracy",
        f"analog-nasbench {version} baseline_accuracy (independent 200-epoch CIFAR-10 retraining of NB201)",
    )


def find_default_truth(space: str, dataset: str) -> Truth | None:
    """The shared NB201 CSV (``test_acc_<dataset>``) when present, else the embedded truth for cifar10,
    else None. Only NB201 has a default."""
    if space != "nb201":
        return None
    path = data_file(NB201_CSV)
    if path is not None:
        return load_truth(path, f"test_acc_{dataset}")
    if dataset == "cifar10":
        try:
            return embedded_truth()
        except UserError as err:
            log.info("no default ground truth: %s", err)
    return None
