import os
import pickle

import numpy as np
import pytest
import torch

from zcnas.data import DATASETS, SOURCES, batch_digest, describe_source, make_batches
from zcnas.data.batches import load_cifar_pickle
from zcnas.errors import UserError

SHAPES = {"cifar10": (3, 32, 32), "cifar100": (3, 32, 32), "ImageNet16-120": (3, 16, 16)}
CLASSES = {"cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}


def distinct_rows(x: torch.Tensor) -> int:
    return len(np.unique(x.reshape(x.shape[0], -1).numpy(), axis=0))


@pytest.fixture
def sample_source(data_dir):
    return "cifar-sample"


@pytest.mark.parametrize("dataset", DATASETS)
def test_synthetic_shapes_dtypes_labels(dataset):
    batches = make_batches("synthetic", dataset, 16, seed=3, count=2)
    assert len(batches) == 2
    for b in batches:
        assert b.x.shape == (16, *SHAPES[dataset]) and b.x.dtype == torch.float32
        assert b.y.shape == (16,) and b.y.dtype == torch.int64
        assert 0 <= int(b.y.min()) and int(b.y.max()) < CLASSES[dataset]
    assert not torch.equal(batches[0].x, batches[1].x)


@pytest.mark.parametrize("dataset", DATASETS)
def test_sample_shapes_labels_and_normalisation(sample_source, dataset):
    (b,) = make_batches(sample_source, dataset, 64, seed=0, count=1)
    assert b.x.shape == (64, *SHAPES[dataset]) and b.x.dtype == torch.float32
    assert b.y.dtype == torch.int64 and 0 <= int(b.y.min()) and int(b.y.max()) < CLASSES[dataset]
    # normalised natural images with some zero padding: per-channel mean near 0, std near 1
    mean = b.x.mean(dim=(0, 2, 3))
    std = b.x.std(dim=(0, 2, 3))
    assert torch.all(mean.abs() < 0.6), mean
    assert torch.all((std > 0.6) & (std < 1.6)), std
    assert distinct_rows(b.x) == 64


def test_sample_labels_follow_images(data_dir):
    npz = np.load(data_dir / "images" / "cifar_sample.npz")
    (b,) = make_batches("cifar-sample", "cifar10", 20, seed=1, count=1)
    # the first pass holds each of the 20 images once: labels are a permutation of the sample's labels
    assert sorted(b.y.tolist()) == sorted(npz["cifar10_labels"].astype(int).tolist())


@pytest.mark.parametrize("source", SOURCES)
def test_deterministic_per_seed_and_different_across_seeds(source, request):
    if source != "synthetic":
        request.getfixturevalue("data_dir")
    a = make_batches(source, "cifar10", 32, seed=5)
    b = make_batches(source, "cifar10", 32, seed=5)
    c = make_batches(source, "cifar10", 32, seed=6)
    for x, y in zip(a, b):
        assert torch.equal(x.x, y.x) and torch.equal(x.y, y.y)
    assert batch_digest(a) == batch_digest(b) != batch_digest(c)
    assert not torch.equal(a[0].x, c[0].x)
    assert not torch.equal(a[0].x, a[1].x)  # batch 1 is a different draw from the same source


@pytest.mark.parametrize("dataset", DATASETS)
def test_natural_patches_batches_of_distinct_photo_crops(data_dir, dataset):
    batches = make_batches("natural-patches", dataset, 64, seed=2, count=2)
    for b in batches:
        assert b.x.shape == (64, *SHAPES[dataset]) and b.x.dtype == torch.float32
        assert 0 <= int(b.y.min()) and int(b.y.max()) < CLASSES[dataset]
        assert distinct_rows(b.x) == 64
    assert not torch.equal(batches[0].x, batches[1].x)
    assert describe_source("natural-patches") == "natural-patches"


@pytest.mark.parametrize("dataset", ["cifar10", "ImageNet16-120"])
def test_distinct_rows_at_batch_256_from_20_images(data_dir, dataset):
    for k, b in enumerate(make_batches("cifar-sample", dataset, 256, seed=0, count=2)):
        assert distinct_rows(b.x) == 256, k


def test_digest_is_short_hex_and_sensitive():
    batches = make_batches("synthetic", "cifar10", 4, seed=0, count=1)
    d = batch_digest(batches)
    assert len(d) == 16 and int(d, 16) >= 0
    batches[0].x[0, 0, 0, 0] += 1
    assert batch_digest(batches) != d


def _write_fake_cifar10(folder, n_per_batch=8):
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(1, 6):
        data = rng.integers(0, 256, size=(n_per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, size=n_per_batch)]
        with open(folder / f"data_batch_{i}", "wb") as f:
            pickle.dump({b"batch_label": b"x", b"labels": labels, b"data": data, b"filenames": []}, f, protocol=2)
    return folder


def _write_fake_cifar100(folder, n=12):
    folder.mkdir()
    rng = np.random.default_rng(1)
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    fine = [int(v) for v in rng.integers(0, 100, size=n)]
    with open(folder / "train", "wb") as f:
        pickle.dump({b"data": data, b"fine_labels": fine, b"coarse_labels": [0] * n}, f)
    return folder, data, fine


def test_fake_cifar10_folder_round_trip(tmp_path):
    folder = _write_fake_cifar10(tmp_path / "cifar-10-batches-py")
    (b,) = make_batches(str(folder), "cifar10", 40, seed=0, count=1)
    assert b.x.shape == (40, 3, 32, 32) and distinct_rows(b.x) == 40
    assert describe_source(folder).startswith("cifar-10:")
    with pytest.raises(UserError, match="cifar100"):
        make_batches(str(folder), "cifar100", 8, seed=0)


def test_fake_cifar100_folder_images_and_labels(tmp_path):
    folder, data, fine = _write_fake_cifar100(tmp_path / "cifar-100-python")
    # batch 12 = one pass: each image once; undo the normalisation of an unflipped, uncropped sample
    (b,) = make_batches(folder, "cifar100", 12, seed=0, count=1)
    assert sorted(b.y.tolist()) == sorted(fine)
    mean = torch.tensor((0.5071, 0.4865, 0.4409)).view(3, 1, 1)
    std = torch.tensor((0.2673, 0.2564, 0.2762)).view(3, 1, 1)
    pixels = torch.round((b.x * std + mean) * 255)
    originals = torch.from_numpy(data.reshape(-1, 3, 32, 32)).float()
    # each augmented sample's interior (away from any padding) matches its source image, possibly flipped
    for x, y in zip(pixels, b.y.tolist()):
        candidates = [i for i, f in enumerate(fine) if f == y]
        assert any(
            _matches_some_crop(x, originals[i]) or _matches_some_crop(x, originals[i].flip(-1)) for i in candidates
        )
    (b16,) = make_batches(folder, "ImageNet16-120", 12, seed=0, count=1)
    assert b16.x.shape == (12, 3, 16, 16) and int(b16.y.max()) < 120


def _matches_some_crop(x, img, pad=4):
    padded = torch.nn.functional.pad(img, (pad, pad, pad, pad))
    for dy in range(2 * pad + 1):
        for dx in range(2 * pad + 1):
            if torch.allclose(padded[:, dy : dy + 32, dx : dx + 32], x, atol=1.0):
                return True
    return False


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_cifar_unpickler_rejects_os_system(tmp_path):
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": _Evil()}))
    with pytest.raises(UserError, match="not allowed"):
        load_cifar_pickle(path)


@pytest.mark.parametrize(
    "args, bad",
    [
        (("nope", "cifar10", 8, 0), "nope"),
        (("synthetic", "mnist", 8, 0), "mnist"),
        (("synthetic", "cifar10", 1, 0), "1"),
        (("synthetic", "cifar10", 0, 0), "0"),
    ],
)
def test_bad_input_raises_user_error(args, bad):
    with pytest.raises(UserError, match=bad):
        make_batches(*args)


def test_batch_too_large(data_dir):
    with pytest.raises(UserError, match="5000"):
        make_batches("cifar-sample", "ImageNet16-120", 5000, seed=0)


def test_missing_shared_data_says_set_zcnas_data(tmp_path, monkeypatch):
    monkeypatch.setenv("ZCNAS_DATA", str(tmp_path / "absent"))
    with pytest.raises(UserError, match="ZCNAS_DATA"):
        make_batches("cifar-sample", "cifar10", 8, seed=0)


def test_bad_folder_and_unreadable_file(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UserError, match="empty"):
        make_batches(str(empty), "cifar10", 8, seed=0)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    (folder / "data_batch_1").write_bytes(b"not a pickle")
    with pytest.raises(UserError, match="data_batch_1"):
        make_batches(str(folder), "cifar10", 8, seed=0)


def test_impossible_distinct_batch_raises(tmp_path):
    # all-black images: every crop and flip is the same row, so no redraw can make them distinct
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    with open(folder / "train", "wb") as f:
        pickle.dump({b"data": np.zeros((3, 3072), np.uint8), b"fine_labels": [0, 1, 2]}, f)
    with pytest.raises(UserError, match="distinct"):
        make_batches(str(folder), "cifar100", 4, seed=0)
