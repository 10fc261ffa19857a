"""Minibatch sources (:mod:`zcnas.data.batches`) and ground-truth tables (:mod:`zcnas.data.truth`)."""
from zcnas.data.batches import (
    DATASETS,
    SOURCES,
    Batch,
    batch_digest,
    dataset_name,
    describe_source,
    input_shape,
    make_batches,
    num_classes,
)

__all__ = [
    "DATASETS",
    "SOURCES",
    "Batch",
    "batch_digest",
    "dataset_name",
    "describe_source",
    "input_shape",
    "make_batches",
    "num_classes",
]
