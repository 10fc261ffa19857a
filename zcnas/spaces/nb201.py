"""NAS-Bench-201 (NATS-Bench topology search space): 4-node cells, 6 edges, 5 ops, 15,625 cells.

Encodings
- arch string (the official one): ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``. Its six positions are the
  edges (0,1), (0,2), (1,2), (0,3), (1,3), (2,3) as (source node, target node), node 0 = cell input.
- ops, in the official order used for indexing: ``none, skip_connect, nor_conv_1x1, nor_conv_3x3,
  avg_pool_3x3``.
- NASLib op indices: 6 digits over the edges (1,2),(1,3),(1,4),(2,3),(2,4),(3,4) (1-based nodes), ops
  0=skip_connect 1=none 2=nor_conv_3x3 3=nor_conv_1x1 4=avg_pool_3x3; string positions map to digits
  ``|d0~0|+|d1~0|d3~1|+|d2~0|d4~1|d5~2|``.

Two orders of the 15,625 cells
- the *enumeration order* (:func:`enumerate_archs`): nested loops over the six string positions, the
  first position most significant, ops in the official order. Needs no data; ``sample`` draws from it.
- the *official index* (:func:`index_of`, :func:`arch_at`, ``NB201Space.all``): the NAS-Bench-201 /
  NATS-Bench-TSS index 0..15624. It is NOT the enumeration order (it is the order of the benchmark file,
  which no loop over ops reproduces), so it is read from ``nb201/nb201_ground_truth.csv`` in the data
  folder (``zcnas.paths.data_file``).

The model (:func:`build_model`) is the NAS-Bench-201 training network (AutoDL ``TinyNetwork`` with
``InferCell``), C=16, N=5; its parameter counts equal the benchmark's.
"""
from __future__ import annotations

import csv
import functools
import itertools
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from zcnas import data
from zcnas.errors import UserError, unknown
from zcnas.paths import data_file
from zcnas.spaces import SearchSpace

OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
NASLIB_OPS: tuple[str, ...] = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))  # (from, to)
NUM_ARCHS = len(OPS) ** len(EDGES)  # 15,625
NUM_CLASSES_CANONICAL = 6466  # isomorphism classes (see canonical)

FORMAT = "|op~0|+|op~0|op~1|+|op~0|op~1|op~2|"
# digit k of the NASLib code sits at string position _NASLIB_TO_POS[k] (and back: the map is its own inverse)
_NASLIB_TO_POS = (0, 1, 3, 2, 4, 5)
_ARCH_RE = re.compile(
    r"\|([^|~+]*)~0\|\+\|([^|~+]*)~0\|([^|~+]*)~1\|\+\|([^|~+]*)~0\|([^|~+]*)~1\|([^|~+]*)~2\|"
)

DATASETS = data.DATASETS
TRUTH_FILE = "nb201/nb201_ground_truth.csv"


# ----------------------------------------------------------------------------- encodings

def _bad_arch(arch: object, why: str = "") -> UserError:
    reason = f" ({why})" if why else ""
    return UserError(
        f"invalid NB201 arch string {arch!r}{reason}; expected the format {FORMAT} "
        f"with ops: {', '.join(OPS)}"
    )


def parse(arch: str) -> tuple[str, ...]:
    """The six op names of ``arch``, in string position order (edges ``EDGES``).

    ``UserError`` naming the string, the expected format and the accepted ops when it is malformed.
    Surrounding whitespace is ignored.
    """
    if not isinstance(arch, str):
        raise _bad_arch(arch, f"not a string but {type(arch).__name__}")
    match = _ARCH_RE.fullmatch(arch.strip())
    if match is None:
        raise _bad_arch(arch)
    ops = match.groups()
    bad = [op for op in ops if op not in OPS]
    if bad:
        raise _bad_arch(arch, f"unknown op {bad[0]!r}")
    return ops


def format_arch(ops: Sequence[str]) -> str:
    """The official string for six op names given in string position order (inverse of :func:`parse`)."""
    ops = tuple(ops)
    if len(ops) != len(EDGES) or any(op not in OPS for op in ops):
        raise UserError(f"expected six NB201 op names (accepted: {', '.join(OPS)}); got {ops!r}")
    return "|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|".format(*ops)


def validate(arch: str) -> str:
    """The normalised official string of ``arch`` (``UserError`` when malformed)."""
    return format_arch(parse(arch))


def to_naslib(arch: str) -> str:
    """The 6-digit NASLib op code of ``arch`` as a string (leading zeros kept), e.g. ``'433000'``."""
    ops = parse(arch)
    return "".join(str(NASLIB_OPS.index(ops[_NASLIB_TO_POS[k]])) for k in range(len(EDGES)))


def from_naslib(code: int | str | Sequence[int]) -> str:
    """The official string for a NASLib op code: an int or digit string (zero-padded to 6, as in the
    CSV where leading zeros are lost) or a sequence of six ints in 0..4."""
    if isinstance(code, bool):
        digits = None
    elif isinstance(code, (int, np.integer)):
        digits = str(int(code)).zfill(6) if code >= 0 else None
    elif isinstance(code, str):
        digits = code.strip().zfill(6)
    elif isinstance(code, Sequence):
        digits = "".join(str(d) for d in code) if all(isinstance(d, int) for d in code) else None
    else:
        digits = None
    if digits is None or len(digits) != len(EDGES) or any(d not in "01234" for d in digits):
        raise UserError(
            f"invalid NASLib NB201 op code {code!r}; expected 6 digits in 0..4 "
            f"(0={NASLIB_OPS[0]} 1={NASLIB_OPS[1]} 2={NASLIB_OPS[2]} 3={NASLIB_OPS[3]} 4={NASLIB_OPS[4]})"
        )
    ops = [""] * len(EDGES)
    for k, d in enumerate(digits):
        ops[_NASLIB_TO_POS[k]] = NASLIB_OPS[int(d)]
    return format_arch(ops)


# ----------------------------------------------------------------------------- enumeration, indices

@functools.lru_cache(maxsize=1)
def _enumerated() -> tuple[str, ...]:
    return tuple(format_arch(ops) for ops in itertools.product(OPS, repeat=len(EDGES)))


def enumerate_archs() -> list[str]:
    """All 15,625 arch strings in enumeration order (nested loops, first string position most
    significant, ops in ``OPS`` order). Not the official index order: see :func:`official_order`."""
    return list(_enumerated())


@functools.lru_cache(maxsize=4)
def _official(path: Path) -> tuple[tuple[str, ...], dict[str, int]]:
    by_index: dict[int, str] = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            by_index[int(row["index"])] = validate(row["arch_str"])
    if sorted(by_index) != list(range(NUM_ARCHS)) or len(set(by_index.values())) != NUM_ARCHS:
        raise UserError(f"{path}: expected indices 0..{NUM_ARCHS - 1}, each with a distinct arch_str")
    order = tuple(by_index[i] for i in range(NUM_ARCHS))
    return order, {arch: i for i, arch in enumerate(order)}


def _truth_path() -> Path:
    path = data_file(TRUTH_FILE)
    if path is None:
        raise UserError(
            f"the official NB201 index order is read from {TRUTH_FILE} in the benchmark data folder, "
            "which was not found: set ZCNAS_DATA or place the data at ../shared/data "
            "(--archs sample:15625 gives every cell without it, in sampled order)"
        )
    return path


def official_order(path: str | Path | None = None) -> list[str]:
    """All 15,625 arch strings in official NB201 index order, read from the ground-truth CSV
    (``path``, else ``nb201/nb201_ground_truth.csv`` under the data root; ``UserError`` if absent)."""
    return list(_official(Path(path) if path is not None else _truth_path())[0])


def index_of(arch: str, path: str | Path | None = None) -> int:
    """The official NB201 / NATS-Bench-TSS index (0..15624) of ``arch`` (needs the ground-truth CSV)."""
    arch = validate(arch)
    return _official(Path(path) if path is not None else _truth_path())[1][arch]


def arch_at(index: int, path: str | Path | None = None) -> str:
    """The arch string at official index ``index`` (0..15624; needs the ground-truth CSV)."""
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < NUM_ARCHS:
        raise UserError(f"invalid NB201 index {index!r}; accepted: integers 0..{NUM_ARCHS - 1}")
    return _official(Path(path) if path is not None else _truth_path())[0][int(index)]


def sample(n: int, seed: int) -> list[str]:
    """``n`` distinct archs drawn uniformly without replacement (``numpy.random.default_rng(seed)``
    choosing positions in enumeration order); ``UserError`` unless 1 <= n <= 15625."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= NUM_ARCHS:
        raise UserError(f"invalid NB201 sample size {n!r}; accepted: integers 1..{NUM_ARCHS}")
    rng = np.random.default_rng(seed)
    archs = _enumerated()
    return [archs[i] for i in rng.choice(NUM_ARCHS, size=int(n), replace=False)]


# ----------------------------------------------------------------------------- isomorphism classes

ZERO = "#"


def canonical(arch: str) -> str:
    """The NAS-Bench-201 isomorphism class of ``arch`` as a string (AutoDL
    ``Structure.to_unique_str(consider_zero=True)``).

    Rule: node 0 is ``'0'``. Each later node is described by its sorted input terms joined with ``+``:
    an input through ``none`` or from a node described as exactly ``'#'`` is ``'#'`` (zero);
    ``skip_connect`` passes its source's description through; any other op gives ``(src)@op``.
    The class is the description of node 3. The zero terms stay in the sorted list, and a node whose
    inputs are all zero is ``'#+#'`` (not ``'#'``), so it is not treated as zero downstream; this exact
    rule gives the benchmark's 6,466 classes (dropping zero terms gives 5,390, treating all-zero nodes
    as zero gives 6,285).
    """
    ops = parse(arch)
    nodes = ["0"]
    pos = 0
    for _target in range(1, 4):
        terms = []
        for source in range(_target):
            op, src = ops[pos], nodes[source]
            pos += 1
            if op == "none" or src == ZERO:
                terms.append(ZERO)
            elif op == "skip_connect":
                terms.append(src)
            else:
                terms.append(f"({src})@{op}")
        nodes.append("+".join(sorted(terms)))
    return nodes[3]


def has_unreachable_ops(arch: str) -> bool:
    """True when some non-``none`` edge lies on no path from the cell input to the cell output.

    Such ops never affect the output. NAS-Bench-Suite-Zero evaluated the 9,445 cells without them.
    """
    live = {edge for edge, op in zip(EDGES, parse(arch)) if op != "none"}
    from_input = {0}
    for node in range(1, 4):
        if any((src, node) in live for src in from_input):
            from_input.add(node)
    to_output = {3}
    for node in range(2, -1, -1):
        if any((node, dst) in live for dst in to_output):
            to_output.add(node)
    return any(src not in from_input or dst not in to_output for src, dst in live)


def representatives(archs: Iterable[str]) -> dict[str, str]:
    """``{canonical(arch): arch}`` keeping the first member of each class in the order of ``archs``
    (pass :func:`official_order` to keep the lowest official index of every class)."""
    reps: dict[str, str] = {}
    for arch in archs:
        reps.setdefault(canonical(arch), validate(arch))
    return reps


# ----------------------------------------------------------------------------- model

def num_classes(dataset: str) -> int:
    """10 / 100 / 120 for cifar10 / cifar100 / ImageNet16-120 (case-insensitive)."""
    return data.num_classes(dataset)


def input_shape(dataset: str) -> tuple[int, int, int]:
    """(C, H, W): (3, 32, 32) for the CIFARs, (3, 16, 16) for ImageNet16-120."""
    return data.input_shape(dataset)


class ReLUConvBN(nn.Sequential):
    """ReLU - Conv2d(k, stride, padding k//2, no bias) - BatchNorm2d.

    [B, C_in, H, W] -> [B, C_out, H / stride, W / stride].
    """

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out, affine=True, track_running_stats=True),
        )


class Zero(nn.Module):
    """The ``none`` op: zeros of the input's shape (``x * 0.0``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def make_op(op: str, channels: int) -> nn.Module:
    """The module of one cell edge: [B, C, H, W] -> [B, C, H, W]."""
    if op == "none":
        return Zero()
    if op == "skip_connect":
        return nn.Identity()
    if op == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1)
    if op == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3)
    if op == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise unknown("op", op, OPS)


class InferCell(nn.Module):
    """The NB201 cell: node 0 = input, node j = sum over i < j of op_ij(node i); output node 3.

    ``edges`` holds the six ops in string position order (``EDGES``). [B, C, H, W] -> [B, C, H, W].
    """

    def __init__(self, ops: Sequence[str], channels: int):
        super().__init__()
        self.edges = nn.ModuleList(make_op(op, channels) for op in ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for target in range(1, 4):
            nodes.append(sum(self.edges[k](nodes[s]) for k, (s, t) in enumerate(EDGES) if t == target))
        return nodes[3]


class ResNetBasicblock(nn.Module):
    """The reduction block between stages: [B, C_in, H, W] -> [B, C_out, H/2, W/2].

    out = shortcut(x) + conv_b(conv_a(x)); shortcut = AvgPool2d(2, 2) - Conv1x1 (no bias).
    """

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride=2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
            nn.Conv2d(c_in, c_out, kernel_size=1, stride=1, padding=0, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class TinyNetwork(nn.Module):
    """The NB201 network: stem, 3 stages of N cells (C, 2C, 4C) joined by reduction blocks, head.

    forward: [B, 3, H, W] -> logits [B, num_classes].
    """

    def __init__(self, ops: Sequence[str], num_classes: int, channels: int = 16, cells_per_stage: int = 5):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, channels, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(channels)
        )
        cells: list[nn.Module] = []
        c_prev = channels
        for stage in range(3):
            c = channels * 2**stage
            if stage > 0:
                cells.append(ResNetBasicblock(c_prev, c))
            cells.extend(InferCell(ops, c) for _ in range(cells_per_stage))
            c_prev = c
        self.cells = nn.ModuleList(cells)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c_prev), nn.ReLU(inplace=False))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for cell in self.cells:
            x = cell(x)
        x = self.global_pooling(self.lastact(x))
        return self.classifier(torch.flatten(x, 1))


def build_model(arch: str, dataset: str) -> TinyNetwork:
    """A freshly initialised NB201 network for ``arch`` on ``dataset`` (the caller seeds torch first)."""
    return TinyNetwork(parse(arch), num_classes(dataset))


# ----------------------------------------------------------------------------- the space

class NB201Space(SearchSpace):
    """NAS-Bench-201 as a :class:`zcnas.spaces.SearchSpace` (see the module docstring)."""

    name = "nb201"
    datasets = tuple(DATASETS)

    def validate(self, arch: str) -> str:
        return validate(arch)

    def all(self) -> list[str]:
        """All archs in official index order (needs the ground-truth CSV; ``UserError`` otherwise)."""
        return official_order()

    def sample(self, n: int, seed: int) -> list[str]:
        return sample(n, seed)

    def canonical(self, arch: str) -> str:
        return canonical(arch)

    def build(self, arch: str, dataset: str) -> nn.Module:
        return build_model(arch, dataset)

    def input_shape(self, dataset: str) -> tuple[int, int, int]:
        return input_shape(dataset)

    def num_classes(self, dataset: str) -> int:
        return num_classes(dataset)
