import csv
import importlib.util
import io
import json
import os
import pickle
import sys
import types

import pytest
from scipy import stats

from zcnas.data import truth as truth_mod
from zcnas.data.truth import Truth, find_default_truth, load_analog_pickle, load_truth
from zcnas.spaces.nb201 import from_naslib
from zcnas.errors import UserError

BEST_C10 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
has_analog = pytest.mark.skipif(
    importlib.util.find_spec("analognasbench") is None, reason="analog-nasbench not installed (zcnas[truth])"
)


@pytest.fixture(scope="module")
def nb201_csv():
    from zcnas.paths import data_file

    path = data_file("nb201/nb201_ground_truth.csv")
    if path is None:
        pytest.skip("benchmark data not found: set ZCNAS_DATA or place it at ../shared/data")
    return path


def test_csv_loads_all_archs_and_best(nb201_csv):
    t = load_truth(nb201_csv)
    assert isinstance(t, Truth) and t.metric == "test_acc_cifar10" and len(t.values) == 15625
    best = max(t.values, key=t.values.get)
    assert best == BEST_C10
    assert t.values[best] == pytest.approx(94.37, abs=0.01)
    with open(nb201_csv) as f:
        index = {r["arch_str"]: int(r["index"]) for r in csv.DictReader(f)}
    assert index[best] == 6111
    assert max(load_truth(nb201_csv, "test_acc_cifar100").values.values()) == pytest.approx(73.51, abs=0.01)


def test_naslib_helper_matches_csv_column(nb201_csv):
    with open(nb201_csv) as f:
        rows = list(csv.DictReader(f))
    assert all(from_naslib(r["naslib_ops"]) == r["arch_str"] for r in rows)
    assert from_naslib((4, 3, 3, 0, 0, 0)) == (
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
    )


def test_csv_unknown_metric_lists_accepted(nb201_csv):
    with pytest.raises(UserError, match=r"'test_acc_mnist'.*test_acc_cifar100"):
        load_truth(nb201_csv, "test_acc_mnist")


def test_suite_zero_json_round_trip(tmp_path):
    data = {
        "cifar10": {
            "(4, 0, 3, 1, 4, 3)": {"id": 1, "val_accuracy": 89.1, "synflow": {"score": 3.0, "time": 0.1}},
            "(2, 2, 2, 2, 2, 2)": {"id": 2, "val_accuracy": 91.5, "synflow": {"score": 9.0, "time": 0.1}},
        },
        "cifar100": {"(2, 2, 2, 2, 2, 2)": {"id": 2, "val_accuracy": 70.0}},
    }
    path = tmp_path / "zc_nasbench201.json"
    path.write_text(json.dumps(data))
    t = load_truth(path)
    assert t.metric == "cifar10:val_accuracy"
    assert t.values == {
        "|avg_pool_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_1x1~2|": 89.1,
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|": 91.5,
    }
    assert list(load_truth(path, "cifar100:val_accuracy").values.values()) == [70.0]
    with pytest.raises(UserError, match=r"'ImageNet16-120:val_accuracy'.*cifar100:val_accuracy"):
        load_truth(path, "ImageNet16-120:val_accuracy")


def test_bad_files(tmp_path):
    with pytest.raises(UserError, match="nowhere.csv"):
        load_truth(tmp_path / "nowhere.csv")
    other = tmp_path / "truth.txt"
    other.write_text("x")
    with pytest.raises(UserError, match="truth.txt"):
        load_truth(other)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(UserError, match="broken.json"):
        load_truth(broken)
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("a,b\n1,2\n")
    with pytest.raises(UserError, match="arch_str"):
        load_truth(nocol)
    badkey = tmp_path / "nb101.json"
    badkey.write_text(json.dumps({"cifar10": {"(1, 2)": {"val_accuracy": 1.0}}}))
    with pytest.raises(UserError, match=r"\(1, 2\)"):
        load_truth(badkey)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_restricted_unpickler_rejects_os_system():
    with pytest.raises(pickle.UnpicklingError, match="system"):
        load_analog_pickle(io.BytesIO(pickle.dumps({(0, 0, 0, 0, 0, 0): _Evil()})))


def test_restricted_unpickler_admits_the_two_classes(monkeypatch):
    # pickle stand-ins that live at the package's module path (a fake module, so pandas is not needed)
    package, module = types.ModuleType("analognasbench"), types.ModuleType("analognasbench.data")

    class Architecture:
        pass

    class DriftMeasurement:
        pass

    for cls in (Architecture, DriftMeasurement):
        cls.__module__, cls.__qualname__ = module.__name__, cls.__name__
        setattr(module, cls.__name__, cls)
    package.data = module
    monkeypatch.setitem(sys.modules, "analognasbench", package)
    monkeypatch.setitem(sys.modules, "analognasbench.data", module)
    a = Architecture()
    a.architecture, a.baseline_accuracy = (0, 1, 2, 3, 4, 0), 90.5
    d = DriftMeasurement()
    d.value, d.uncertainty = 1.0, 0.5
    a.baseline_drift_60 = d
    blob = pickle.dumps({(0, 1, 2, 3, 4, 0): a}, protocol=4)
    loaded = load_analog_pickle(io.BytesIO(blob))
    rec = loaded[(0, 1, 2, 3, 4, 0)]
    assert isinstance(rec, truth_mod.AnalogArchitecture) and rec.baseline_accuracy == 90.5
    assert isinstance(rec.baseline_drift_60, truth_mod.AnalogDrift) and rec.baseline_drift_60.uncertainty == 0.5


@has_analog
def test_embedded_truth_matches_official_ranking(nb201_csv):
    embedded = truth_mod.embedded_truth()
    assert len(embedded.values) == 15625
    assert "analog-nasbench" in embedded.description and "baseline_accuracy" in embedded.description
    official = load_truth(nb201_csv)
    archs = sorted(official.values)
    rho = stats.spearmanr([official.values[a] for a in archs], [embedded.values[a] for a in archs]).statistic
    assert rho == pytest.approx(0.991, abs=0.002)


def test_find_default_truth(nb201_csv):
    t = find_default_truth("nb201", "ImageNet16-120")
    assert t is not None and t.metric == "test_acc_ImageNet16-120"
    assert max(t.values.values()) == pytest.approx(47.31, abs=0.01)
    assert find_default_truth("nb101", "cifar10") is None


@has_analog
def test_find_default_truth_falls_back_to_embedded(tmp_path, monkeypatch):
    monkeypatch.setenv("ZCNAS_DATA", str(tmp_path))  # a data folder without the CSV
    t = find_default_truth("nb201", "cifar10")
    assert t is not None and t.metric == "baseline_accuracy"
    assert find_default_truth("nb201", "cifar100") is None
