import csv
import itertools

import numpy as np
import pytest
import torch
from torch import nn

from zcnas.errors import UserError
from zcnas.spaces import SearchSpace, available, get_space
from zcnas.spaces import nb201

ALL_NONE = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
ALL_SKIP = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"
ALL_CONV3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
MIXED = "|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_1x1~0|nor_conv_1x1~1|none~2|"


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ----------------------------------------------------------------------------- registry

def test_get_space():
    space = get_space("nb201")
    assert isinstance(space, SearchSpace)
    assert space.name == "nb201" and "nb201" in available()
    assert space.datasets == ("cifar10", "cifar100", "ImageNet16-120")
    assert isinstance(get_space("NB201"), nb201.NB201Space)


def test_unknown_space():
    with pytest.raises(UserError, match=r"unknown space 'nb999'.*nb201"):
        get_space("nb999")


# ----------------------------------------------------------------------------- encodings

def test_enumeration_round_trips():
    archs = nb201.enumerate_archs()
    assert len(archs) == len(set(archs)) == 15625
    assert archs[0] == ALL_NONE and archs[-1].count("avg_pool_3x3") == 6
    # the first string position is the most significant digit, ops in official order
    assert archs[1] == "|none~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|"
    assert archs[5**5] == "|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|"
    codes = set()
    for arch in archs:
        assert nb201.validate(arch) == arch
        assert nb201.format_arch(nb201.parse(arch)) == arch
        code = nb201.to_naslib(arch)
        assert len(code) == 6 and nb201.from_naslib(code) == arch
        assert nb201.from_naslib(int(code)) == arch
        codes.add(code)
    assert codes == {"".join(d) for d in itertools.product("01234", repeat=6)}


def test_naslib_digit_positions():
    # string positions map to digits |d0~0|+|d1~0|d3~1|+|d2~0|d4~1|d5~2|
    arch = "|skip_connect~0|+|none~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|none~2|"
    assert nb201.to_naslib(arch) == "012341"
    assert nb201.to_naslib(ALL_SKIP) == "000000"
    assert nb201.from_naslib(0) == ALL_SKIP and nb201.from_naslib("0") == ALL_SKIP
    assert nb201.from_naslib([1] * 6) == ALL_NONE


def test_against_benchmark_csv(data_dir):
    with open(data_dir / nb201.TRUTH_FILE, newline="") as f:
        truth_rows = list(csv.DictReader(f))
    assert len(truth_rows) == 15625
    space = get_space("nb201")
    official = space.all()
    assert len(official) == 15625
    for row in truth_rows:
        index, arch = int(row["index"]), row["arch_str"]
        assert official[index] == arch
        assert nb201.index_of(arch) == index
        assert nb201.arch_at(index) == arch
        assert nb201.from_naslib(int(row["naslib_ops"])) == arch
        assert nb201.to_naslib(arch) == row["naslib_ops"].zfill(6)


def test_official_index_known_rows(data_dir):
    # the official index is the benchmark file's order, not the enumeration order
    assert nb201.arch_at(0) == (
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
    )
    assert nb201.index_of(" " + nb201.arch_at(6111) + "\n") == 6111


def test_official_index_without_data(monkeypatch, tmp_path):
    monkeypatch.setenv("ZCNAS_DATA", str(tmp_path))  # an existing folder without the CSV
    for call in (lambda: nb201.index_of(ALL_NONE), lambda: nb201.arch_at(0), get_space("nb201").all):
        with pytest.raises(UserError, match="nb201_ground_truth.csv.*ZCNAS_DATA"):
            call()


@pytest.mark.parametrize(
    "bad, why",
    [
        ("", ""),
        ("|none~0|+|none~0|none~1|", ""),  # too few nodes
        ("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|+|none~0|", ""),  # too many nodes
        ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", ""),  # wrong input index
        ("none~0+none~0|none~1+none~0|none~1|none~2", ""),  # missing bars
        ("|none~0|+|none~0|none~1|+|none~0|none~1|conv_5x5~2|", "unknown op 'conv_5x5'"),
        ("|None~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown op 'None'"),
        ("|~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown op ''"),
    ],
)
def test_malformed_arch(bad, why):
    with pytest.raises(UserError) as err:
        nb201.parse(bad)
    message = str(err.value)
    assert repr(bad) in message and nb201.FORMAT in message and why in message
    assert all(op in message for op in nb201.OPS)
    with pytest.raises(UserError):
        get_space("nb201").validate(bad)


def test_not_a_string():
    with pytest.raises(UserError, match="not a string"):
        nb201.parse(12345)


@pytest.mark.parametrize("code", ["5", 1234567, "12a456", -1, [0, 1, 2], True, 1.5])
def test_bad_naslib_code(code):
    with pytest.raises(UserError, match="invalid NASLib NB201 op code"):
        nb201.from_naslib(code)


def test_format_arch_rejects_bad_ops():
    with pytest.raises(UserError, match="conv"):
        nb201.format_arch(["none"] * 5 + ["conv"])
    with pytest.raises(UserError):
        nb201.format_arch(["none"] * 5)


@pytest.mark.parametrize("index", [-1, 15625, "3", 2.0, True])
def test_bad_index(index):
    with pytest.raises(UserError, match=r"invalid NB201 index.*0\.\.15624"):
        nb201.arch_at(index)


# ----------------------------------------------------------------------------- sampling

def test_sample_deterministic_and_distinct():
    space = get_space("nb201")
    a = space.sample(500, seed=3)
    assert a == space.sample(500, seed=3)
    assert a != space.sample(500, seed=4)
    assert len(set(a)) == 500 and all(nb201.validate(x) == x for x in a)
    full = space.sample(15625, seed=0)
    assert sorted(full) == sorted(nb201.enumerate_archs())
    assert space.sample(1, seed=0) == nb201.sample(1, seed=0)


def test_sample_uniform():
    # positions drawn across many seeds cover the space evenly: chi-square on 25 bins of 625 positions
    pos = {a: i for i, a in enumerate(nb201.enumerate_archs())}
    counts = np.zeros(25)
    for seed in range(40):
        for arch in nb201.sample(250, seed):
            counts[pos[arch] // 625] += 1
    expected = counts.sum() / 25
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 52.6  # 99.99th percentile for 24 degrees of freedom


@pytest.mark.parametrize("n", [0, -3, 15626, 2.5, "10", True])
def test_bad_sample_size(n):
    with pytest.raises(UserError, match=r"sample size .*1\.\.15625") as err:
        nb201.sample(n, seed=0)
    assert repr(n) in str(err.value)


# ----------------------------------------------------------------------------- isomorphism classes

def test_canonical_class_count():
    archs = nb201.enumerate_archs()
    classes = {nb201.canonical(a) for a in archs}
    assert len(classes) == nb201.NUM_CLASSES_CANONICAL == 6466
    reps = nb201.representatives(archs)
    assert len(reps) == 6466
    assert all(nb201.canonical(arch) == key for key, arch in reps.items())


def test_canonical_examples():
    c = nb201.canonical
    assert c(ALL_NONE) == "#+#+#"
    assert c(ALL_SKIP) == "0+0+0+0"  # node1 = 0, node2 = 0+0, node3 = sorted(0, 0, 0+0)
    # MIXED: node1 = 0 (skip), node2 feeds node3 through none, so node3 = sorted(#, conv1(0), conv1(0))
    assert c(MIXED) == "#+(0)@nor_conv_1x1+(0)@nor_conv_1x1"
    # skip_connect contracts and each node's inputs are sorted
    a = "|skip_connect~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|skip_connect~2|"
    b = "|skip_connect~0|+|none~0|nor_conv_3x3~1|+|none~0|none~1|skip_connect~2|"
    assert c(a) == c(b) == "#+#+#+(0)@nor_conv_3x3"
    # an edge leaving a zero node is zero whatever its op
    z1 = "|none~0|+|none~0|nor_conv_3x3~1|+|avg_pool_3x3~0|none~1|none~2|"
    z2 = "|none~0|+|none~0|avg_pool_3x3~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|"
    assert c(z1) == c(z2) == "#+#+(0)@avg_pool_3x3"
    # AutoDL rule: a node whose inputs are all zero ('#+#') is not itself zero downstream
    assert c("|none~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|") == "#+#+(#+#)@nor_conv_3x3"
    assert c(ALL_CONV3) != c(ALL_SKIP)
    assert get_space("nb201").canonical(" " + a) == c(a)


def test_representatives_keep_first(data_dir):
    space = get_space("nb201")
    official = space.all()
    reps = space.representatives(official)
    index = {a: i for i, a in enumerate(official)}
    lowest = {}
    for arch in official:
        lowest.setdefault(space.canonical(arch), index[arch])
    assert len(reps) == 6466 and {k: index[v] for k, v in reps.items()} == lowest


# ----------------------------------------------------------------------------- models

@pytest.mark.parametrize(
    "arch, dataset, expected",
    [
        (MIXED, "cifar10", 615386),
        (ALL_NONE, "cifar10", 73306),
        (ALL_SKIP, "cifar10", 73306),
        (ALL_CONV3, "cifar10", 1531546),
        (ALL_CONV3, "cifar100", 1537396),
        (ALL_CONV3, "ImageNet16-120", 1537396 + 20 * 65),
    ],
)
def test_param_counts(arch, dataset, expected):
    assert n_params(get_space("nb201").build(arch, dataset)) == expected


def test_param_count_by_hand():
    # stem 3*16*9 + BN 32; blocks 14,464 and 57,600; head BN 128 + Linear 64*10+10; per cell edge
    # nor_conv_kxk = k*k*C*C + 2C, other ops 0.
    arch = "|nor_conv_1x1~0|+|avg_pool_3x3~0|nor_conv_3x3~1|+|skip_connect~0|none~1|nor_conv_1x1~2|"
    cells = sum(5 * (2 * (c * c + 2 * c) + 9 * c * c + 2 * c) for c in (16, 32, 64))
    assert n_params(nb201.build_model(arch, "cifar10")) == 464 + 14464 + 57600 + 128 + 650 + cells


@pytest.mark.parametrize(
    "dataset, classes, hw", [("cifar10", 10, 32), ("cifar100", 100, 32), ("ImageNet16-120", 120, 16)]
)
def test_forward_shape(dataset, classes, hw):
    space = get_space("nb201")
    assert space.num_classes(dataset) == classes
    assert space.input_shape(dataset) == (3, hw, hw)
    torch.manual_seed(0)
    model = space.build(MIXED, dataset)
    with torch.no_grad():
        out = model(torch.randn(2, *space.input_shape(dataset)))
    assert out.shape == (2, classes) and torch.isfinite(out).all()


def test_model_modules():
    model = nb201.build_model(ALL_CONV3, "cifar10")
    relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
    # 15 cells * 6 edges + 2 blocks * 2 convs + last activation; all non-inplace
    assert len(relus) == 15 * 6 + 4 + 1 and not any(m.inplace for m in relus)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 1 + 90 + 2 * 3 and all(m.bias is None for m in convs)
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert all(m.affine and m.track_running_stats for m in bns)
    # only the chosen op is instantiated: an all-none cell network has no cell parameters
    empty = nb201.build_model(ALL_NONE, "cifar10")
    assert sum(1 for m in empty.modules() if isinstance(m, nn.Conv2d)) == 1 + 2 * 3


def test_none_and_skip_semantics():
    torch.manual_seed(0)
    x = torch.randn(2, 16, 8, 8)
    skips = nb201.InferCell(nb201.parse(ALL_SKIP), 16)
    # all-skip cell: node1 = x, node2 = 2x, node3 = x + x + 2x = 4x
    assert torch.equal(skips(x), 4 * x)
    zero = nb201.InferCell(nb201.parse(ALL_NONE), 16)
    out = zero(x)
    assert out.shape == x.shape and not out.any()


def test_unknown_dataset():
    space = get_space("nb201")
    calls = (lambda: space.build(MIXED, "mnist"), lambda: space.num_classes("mnist"),
             lambda: space.input_shape("mnist"))
    for call in calls:
        with pytest.raises(UserError, match=r"unknown dataset 'mnist'.*cifar10, cifar100, ImageNet16-120"):
            call()
    assert space.num_classes("imagenet16-120") == 120


def test_cells_without_unreachable_ops_number_9445():
    assert sum(not nb201.has_unreachable_ops(a) for a in nb201.enumerate_archs()) == 9445
    assert nb201.has_unreachable_ops("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")
    assert not nb201.has_unreachable_ops("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|nor_conv_1x1~1|none~2|")
