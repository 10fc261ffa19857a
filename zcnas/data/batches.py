"""Seeded minibatches shared by every architecture of a run.

Sources (see ``SOURCES``):

- ``synthetic``: x ~ N(0, 1) and labels uniform over the dataset's classes, from a seeded torch.Generator.
- ``cifar-sample``: the 20 real CIFAR test images of ``<data_root>/images/cifar_sample.npz``, expanded to
  the batch size with the standard CIFAR training augmentation.
- ``natural-patches``: the 448 real 32x32 photo crops of ``<data_root>/images/natural_patches_32x32.npz``
  (7 public-domain photos), same augmentation, labels drawn uniformly over the dataset's classes by the
  seed (the crops have no CIFAR class). More distinct real images than the CIFAR sample: a batch of 64
  holds 64 different crops (two batches are independent draws and may share some).
- a path to a ``cifar-10-batches-py`` or ``cifar-100-python`` folder: the training set, sampled by the seed,
  same augmentation.

ImageNet16-120 from real images: no ImageNet16 images are shipped, so the CIFAR-100 images (the sample, or a
``cifar-100-python`` folder) are downsampled 32x32 -> 16x16 by 2x2 area averaging and given labels drawn
uniformly in 0..119 by the seed (one label per source image, carried along with its augmented copies); they
are then augmented with 2-pixel padding and normalised with the ImageNet16 mean/std.

Augmentation (per sample): zero-pad by ``pad`` pixels (4 at 32x32, 2 at 16x16) in [0, 1] pixel space, take
a random HxW crop, flip horizontally with probability 1/2, normalise per channel. The first pass over the
images uses each image once (in a seeded order), later passes are further augmented draws. Rows of a batch
are guaranteed distinct: duplicated rows are redrawn (bounded attempts), and an impossible request raises.
Batch k of a call uses a generator derived from (seed, k), so batches are deterministic in
(source, dataset, batch_size, seed).
"""
from __future__ import annotations

import hashlib
import logging
import pickle
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from zcnas.errors import UserError, unknown
from zcnas.paths import data_file

log = logging.getLogger(__name__)

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
SOURCES = ("synthetic", "cifar-sample", "natural-patches")
SAMPLE_FILE = "images/cifar_sample.npz"
PATCHES_FILE = "images/natural_patches_32x32.npz"

# (channels, height, width), classes, mean, std, padding of the random crop.
_SPEC = {
    "cifar10": ((3, 32, 32), 10, (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616), 4),
    "cifar100": ((3, 32, 32), 100, (0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762), 4),
    "ImageNet16-120": (
        (3, 16, 16),
        120,
        tuple(x / 255 for x in (122.68, 116.66, 104.01)),
        tuple(x / 255 for x in (63.22, 61.26, 65.09)),
        2,
    ),
}
_MAX_REDRAWS = 100


class Batch(NamedTuple):
    """One minibatch: x float32 [B, C, H, W] (normalised), y int64 [B] (class labels)."""

    x: torch.Tensor
    y: torch.Tensor


def input_shape(dataset: str) -> tuple[int, int, int]:
    """(C, H, W) of the dataset's images."""
    return _spec(dataset)[0]


def num_classes(dataset: str) -> int:
    """Number of classes of the dataset."""
    return _spec(dataset)[1]


def describe_source(source: str | Path) -> str:
    """A stable one-line description of a data source for the results' data_source column."""
    source = str(source)
    if source == "synthetic":
        return "synthetic"
    if source in ("cifar-sample", "natural-patches"):
        return source
    path = Path(source)
    if path.is_dir():
        return f"{_folder_kind(path)}:{path.resolve()}"
    raise _unknown_source(source)


def make_batches(source: str | Path, dataset: str, batch_size: int, seed: int, count: int = 2) -> list[Batch]:
    """``count`` minibatches of ``batch_size`` distinct samples; batch 0 is the run's minibatch.

    x: float32 [batch_size, C, H, W], y: int64 [batch_size] in 0..num_classes-1.
    """
    dataset = dataset_name(dataset)
    _, classes, mean, std, pad = _spec(dataset)
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 2:
        raise UserError(f"batch size {batch_size!r} is invalid; accepted: an integer >= 2")
    if not isinstance(count, (int, np.integer)) or count < 1:
        raise UserError(f"batch count {count!r} is invalid; accepted: an integer >= 1")
    batch_size, count = int(batch_size), int(count)
    source = str(source)
    if source == "synthetic":
        return [_synthetic(dataset, batch_size, _derive(seed, k)) for k in range(count)]
    images, labels = _real_images(source, dataset, seed)  # uint8 [N, H, W, 3], int64 [N]
    positions = (2 * pad + 1) ** 2 * 2
    limit = len(images) * positions
    if batch_size > limit:
        raise UserError(
            f"batch size {batch_size} is larger than possible for source {source!r} and {dataset}: "
            f"{len(images)} images x {positions} distinct augmentations; accepted: 2..{limit}"
        )
    base = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div_(255.0)
    return [
        _augmented(base, torch.from_numpy(labels), batch_size, pad, mean, std, _derive(seed, k))
        for k in range(count)
    ]


def batch_digest(batches: list[Batch]) -> str:
    """Short sha256 (16 hex digits) of the batches' shapes and bytes, recorded with the results."""
    h = hashlib.sha256()
    for batch in batches:
        for t in (batch.x, batch.y):
            t = t.detach().cpu().contiguous()
            h.update(f"{t.dtype}{tuple(t.shape)}".encode())
            h.update(t.numpy().tobytes())
    return h.hexdigest()[:16]


# --- internals --------------------------------------------------------------------------------------


def dataset_name(dataset: str) -> str:
    """The canonical spelling of a dataset name (matched ignoring case); UserError if unknown."""
    for name in DATASETS:
        if isinstance(dataset, str) and dataset.lower() == name.lower():
            return name
    raise unknown("dataset", dataset, DATASETS)


def _spec(dataset: str):
    return _SPEC[dataset_name(dataset)]


def _derive(seed: int, k: int | str) -> torch.Generator:
    """A torch.Generator seeded from (seed, k) through sha256 (independent streams per k)."""
    digest = hashlib.sha256(f"zcnas-batches:{int(seed)}:{k}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") >> 1)


def _synthetic(dataset: str, batch_size: int, g: torch.Generator) -> Batch:
    shape, classes = _spec(dataset)[:2]
    x = torch.randn((batch_size, *shape), generator=g, dtype=torch.float32)
    y = torch.randint(classes, (batch_size,), generator=g, dtype=torch.int64)
    if len(_duplicate_rows(x)):  # probability zero for Gaussian floats; checked all the same
        raise UserError("synthetic batch drew identical rows; try another seed")
    return Batch(x, y)


def _augment_one(img: torch.Tensor, pad: int, g: torch.Generator) -> torch.Tensor:
    """img float [C, H, W] in [0, 1] -> zero-padded random crop, random horizontal flip."""
    c, h, w = img.shape
    dy, dx = (int(v) for v in torch.randint(0, 2 * pad + 1, (2,), generator=g))
    flip = int(torch.randint(0, 2, (1,), generator=g))
    padded = torch.nn.functional.pad(img, (pad, pad, pad, pad))
    out = padded[:, dy : dy + h, dx : dx + w]
    return out.flip(-1) if flip else out


def _augmented(
    images: torch.Tensor, labels: torch.Tensor, batch_size: int, pad: int, mean, std, g: torch.Generator
) -> Batch:
    """images float [N, C, H, W] in [0, 1], labels int64 [N] -> one distinct, normalised Batch."""
    n = images.shape[0]
    passes = -(-batch_size // n)
    order = torch.cat([torch.randperm(n, generator=g) for _ in range(passes)])[:batch_size]
    x = torch.stack([_augment_one(images[i], pad, g) for i in order.tolist()])
    for _ in range(_MAX_REDRAWS):
        dup = _duplicate_rows(x)
        if not len(dup):
            break
        for row in dup:
            x[row] = _augment_one(images[int(order[row])], pad, g)
    else:
        if len(_duplicate_rows(x)):
            raise UserError(
                f"could not draw {batch_size} distinct augmented samples from {n} images after "
                f"{_MAX_REDRAWS} redraws; use a smaller batch size or more images"
            )
    m = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
    return Batch(((x - m) / s).contiguous(), labels[order].to(torch.int64).contiguous())


def _duplicate_rows(x: torch.Tensor) -> list[int]:
    """Indices of rows of x [B, ...] equal to an earlier row (the first occurrence is kept)."""
    seen: set[bytes] = set()
    dup = []
    flat = x.reshape(x.shape[0], -1).numpy()
    for i, row in enumerate(flat):
        key = row.tobytes()
        if key in seen:
            dup.append(i)
        seen.add(key)
    return dup


def _unknown_source(source: str) -> UserError:
    return unknown(
        "data source", source, [*SOURCES, "a path to a cifar-10-batches-py or cifar-100-python folder"]
    )


def _real_images(source: str, dataset: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images [N, H, W, 3] and int64 labels [N] for a real-image source and dataset."""
    if source == "cifar-sample":
        prefix = "cifar10" if dataset == "cifar10" else "cifar100"
        images, labels = _read_npz(source, SAMPLE_FILE, f"{prefix}_images", f"{prefix}_labels")
    elif source == "natural-patches":
        images, _ = _read_npz(source, PATCHES_FILE, "images", "labels")
        labels = torch.randint(_spec(dataset)[1], (len(images),), generator=_derive(seed, "patch-labels")).numpy()
    else:
        folder = Path(source)
        if not folder.is_dir():
            raise _unknown_source(source)
        kind = _folder_kind(folder)
        wanted = {"cifar10": ("cifar-10",), "cifar100": ("cifar-100",), "ImageNet16-120": ("cifar-100",)}
        if kind not in wanted[dataset]:
            raise UserError(
                f"data folder {source!r} holds {kind} but dataset {dataset!r} needs "
                f"{' or '.join(wanted[dataset])}"
            )
        images, labels = _read_cifar_folder(folder, kind)
    if dataset == "ImageNet16-120":
        images = _downsample2(images)
        labels = torch.randint(120, (len(images),), generator=_derive(seed, "in16-labels")).numpy()
    return images, labels


def _read_npz(source: str, relative: str, images_key: str, labels_key: str) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images [N, H, W, 3] and int64 labels [N] from a shared data file."""
    path = data_file(relative)
    if path is None:
        raise UserError(f"the {source} source needs the shared benchmark data file {relative}, which was not "
                        "found: set ZCNAS_DATA to the data folder")
    try:
        with np.load(path, allow_pickle=False) as npz:
            return np.asarray(npz[images_key], dtype=np.uint8), np.asarray(npz[labels_key], dtype=np.int64)
    except (OSError, KeyError, ValueError) as err:
        raise UserError(f"cannot read data file {path}: {err}") from err


def _downsample2(images: np.ndarray) -> np.ndarray:
    """uint8 [N, 32, 32, 3] -> uint8 [N, 16, 16, 3] by 2x2 area averaging (rounded)."""
    n, h, w, c = images.shape
    mean = images.reshape(n, h // 2, 2, w // 2, 2, c).astype(np.float64).mean(axis=(2, 4))
    return np.rint(mean).astype(np.uint8)


def _folder_kind(folder: Path) -> str:
    if (folder / "data_batch_1").is_file():
        return "cifar-10"
    if (folder / "train").is_file():
        return "cifar-100"
    raise UserError(
        f"data folder {str(folder)!r} is not a CIFAR folder; accepted: a cifar-10-batches-py folder "
        "(data_batch_1..5) or a cifar-100-python folder (train)"
    )


class _CifarUnpickler(pickle.Unpickler):
    """Admits only what the standard CIFAR pickles need: numpy array reconstruction and _codecs.encode."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"): ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.numeric", "_frombuffer"): ("numpy._core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"): ("numpy._core.numeric", "_frombuffer"),
        ("numpy", "ndarray"): ("numpy", "ndarray"),
        ("numpy", "dtype"): ("numpy", "dtype"),
        ("_codecs", "encode"): ("_codecs", "encode"),
    }

    def find_class(self, module: str, name: str):
        target = self._ALLOWED.get((module, name))
        if target is None:
            raise pickle.UnpicklingError(f"CIFAR pickle references {module}.{name}, which is not allowed")
        import importlib

        return getattr(importlib.import_module(target[0]), target[1])


def load_cifar_pickle(path: Path) -> dict:
    """One CIFAR pickle file (``pickle.load(f, encoding="bytes")`` format) through the restricted unpickler."""
    try:
        with open(path, "rb") as f:
            obj = _CifarUnpickler(f, encoding="bytes").load()
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError) as err:
        raise UserError(f"cannot read CIFAR file {path}: {err}") from err
    if not isinstance(obj, dict):
        raise UserError(f"cannot read CIFAR file {path}: expected a dict, got {type(obj).__name__}")
    return obj


def _read_cifar_folder(folder: Path, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Training images uint8 [N, 32, 32, 3] and labels int64 [N] of a CIFAR-10/100 python folder."""
    if kind == "cifar-10":
        names, label_key = [f"data_batch_{i}" for i in range(1, 6)], b"labels"
    else:
        names, label_key = ["train"], b"fine_labels"
    data, labels = [], []
    for name in names:
        path = folder / name
        if not path.is_file():
            raise UserError(f"CIFAR folder {str(folder)!r} lacks the file {name!r}; expected {names}")
        part = load_cifar_pickle(path)
        try:
            x = np.asarray(part[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
            y = np.asarray(part[label_key], dtype=np.int64).reshape(-1)
        except (KeyError, ValueError) as err:
            raise UserError(f"CIFAR file {path} is malformed: {err!r}") from err
        if len(x) != len(y):
            raise UserError(f"CIFAR file {path} is malformed: {len(x)} images but {len(y)} labels")
        data.append(x)
        labels.append(y)
    images = np.concatenate(data).transpose(0, 2, 3, 1)
    log.info("read %d training images from %s", len(images), folder)
    return np.ascontiguousarray(images), np.concatenate(labels)
