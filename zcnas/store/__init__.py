"""Result shards: a Parquet dataset folder with resume.

Layout of a results folder::

    run.json               {"format": "zcnas-results/1", "config": {...}}  (the run configuration)
    part-000000.parquet    one shard per finished chunk, written to .part-*.tmp then os.replace'd
    part-000001.parquet    ...

Config keys used by the store: ``space, dataset, data_source, batch_size, seed, version, batch_digest``
fill the row columns of the same name when a row omits them; ``proxies`` (a list of names) is the one key
that may differ on resume: the new proxies are added to the run and ``run.json`` records the union (the
runner then scores the new proxies for every architecture, done() tells it which pairs exist). Any other
key that differs on resume is an error naming the key and both values.
"""
from __future__ import annotations

import json
import logging
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from zcnas.errors import UserError

log = logging.getLogger(__name__)

FORMAT = "zcnas-results/1"
RUN_FILE = "run.json"
SCHEMA = pa.schema(
    [
        ("space", pa.string()),
        ("arch", pa.string()),  # official architecture string
        ("canonical_arch", pa.string()),  # isomorphism-class representative
        ("scored_arch", pa.string()),  # the member of the class that was actually scored
        ("proxy", pa.string()),
        ("value", pa.float64()),
        ("per_layer", pa.list_(pa.float64())),  # null where the proxy has none
        ("dataset", pa.string()),
        ("data_source", pa.string()),
        ("batch_size", pa.int64()),
        ("seed", pa.int64()),
        ("version", pa.string()),
        ("batch_digest", pa.string()),
        ("status", pa.string()),  # "ok" | "error"
        ("error", pa.string()),  # null when ok
        ("seconds", pa.float64()),  # wall time of the arch's scoring, shared by its proxies
    ]
)
RUN_COLUMNS = ("space", "dataset", "data_source", "batch_size", "seed", "version", "batch_digest")
MERGEABLE_KEYS = ("proxies",)
_SHARD = re.compile(r"^part-(\d{6,})\.parquet$")
_TMP = re.compile(r"^\.part-\d{6,}\.parquet\.[0-9a-f]+\.tmp$")


def _normalise(config: dict) -> dict:
    """The config as it reads back from JSON (tuples -> lists), so comparisons are like for like."""
    try:
        return json.loads(json.dumps(config, sort_keys=True))
    except (TypeError, ValueError) as err:
        raise UserError(f"run configuration is not JSON-serialisable: {err}") from err


def _shards(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if _SHARD.match(p.name))


def _read_run(folder: Path) -> dict:
    path = folder / RUN_FILE
    try:
        data = json.loads(path.read_text())
        if data.get("format") != FORMAT or not isinstance(data.get("config"), dict):
            raise ValueError(f"format {data.get('format')!r}; expected {FORMAT!r}")
    except (OSError, ValueError, AttributeError) as err:
        raise UserError(f"cannot read results metadata {path}: {err}") from err
    return data["config"]


def _write_json_atomic(path: Path, obj: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid():x}.tmp")
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


class ResultStore:
    """Append-only results folder: ``done()`` pairs, ``write_chunk(rows)`` atomic shards."""

    def __init__(self, out_dir: str | Path, config: dict, resume: bool) -> None:
        self.path = Path(out_dir)
        self.config = _normalise(config)
        if self.path.exists() and not self.path.is_dir():
            raise UserError(f"results folder {str(self.path)!r} exists and is not a folder")
        self.path.mkdir(parents=True, exist_ok=True)
        self._clean_temp()
        existing = (self.path / RUN_FILE).is_file()
        shards = _shards(self.path)
        if (existing or shards) and not resume:
            raise UserError(
                f"results folder {str(self.path)!r} already holds a run; use --resume or another folder"
            )
        if shards and not existing:
            raise UserError(f"results folder {str(self.path)!r} holds shards but no {RUN_FILE}; cannot resume it")
        if existing:
            self.config = self._merge(_read_run(self.path), self.config)
            log.info("resuming run in %s (%d shards)", self.path, len(shards))
        _write_json_atomic(self.path / RUN_FILE, {"format": FORMAT, "config": self.config})
        self._done: set[tuple[str, str]] = set()
        for shard in shards:
            table = pq.read_table(shard, columns=["arch", "proxy"])
            self._done.update(zip(table.column("arch").to_pylist(), table.column("proxy").to_pylist()))
        self._next = 1 + max((int(_SHARD.match(p.name).group(1)) for p in shards), default=-1)

    def _merge(self, old: dict, new: dict) -> dict:
        """Check a resumed configuration against the stored one; returns the configuration to record."""
        diffs = []
        for key in sorted(set(old) | set(new)):
            if key in MERGEABLE_KEYS:
                continue
            if old.get(key) != new.get(key):
                diffs.append(f"{key}: stored {old.get(key)!r}, requested {new.get(key)!r}")
        if diffs:
            raise UserError(
                f"cannot resume the run in {str(self.path)!r} with a different configuration: " + "; ".join(diffs)
            )
        merged = dict(old)
        for key in MERGEABLE_KEYS:
            if key in old or key in new:
                items = list(old.get(key) or [])
                items += [p for p in new.get(key) or [] if p not in items]
                merged[key] = items
        return merged

    def _clean_temp(self) -> None:
        """Remove temp shards and temp run.json left by a crashed writer."""
        for p in self.path.iterdir():
            if _TMP.match(p.name) or (p.name.startswith(f".{RUN_FILE}.") and p.name.endswith(".tmp")):
                log.info("removing leftover temporary file %s", p)
                p.unlink(missing_ok=True)

    def done(self) -> set[tuple[str, str]]:
        """(arch, proxy) pairs already stored."""
        return set(self._done)

    def write_chunk(self, rows: list[dict]) -> int:
        """Write rows not already stored as one shard (atomic); returns the number of rows written.

        Each row needs ``arch``, ``proxy`` and ``value``; ``canonical_arch`` and ``scored_arch`` default to
        ``arch``, run columns to the configuration, ``status`` to "error" when ``error`` is set else "ok".
        """
        fresh: list[dict] = []
        keys: set[tuple[str, str]] = set()
        for row in rows:
            full = self._complete(row)
            key = (full["arch"], full["proxy"])
            if key in self._done or key in keys:
                continue
            keys.add(key)
            fresh.append(full)
        if not fresh:
            return 0
        table = pa.Table.from_pylist(fresh, schema=SCHEMA)
        name = f"part-{self._next:06d}.parquet"
        tmp = self.path / f".{name}.{os.getpid():x}.tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, self.path / name)
        self._next += 1
        self._done |= keys
        log.debug("wrote %s (%d rows)", name, len(fresh))
        return len(fresh)

    def _complete(self, row: dict) -> dict:
        unknown_keys = set(row) - set(SCHEMA.names)
        if unknown_keys:
            raise ValueError(f"result row has unknown columns {sorted(unknown_keys)}; accepted: {SCHEMA.names}")
        for key in ("arch", "proxy"):
            if not isinstance(row.get(key), str):
                raise ValueError(f"result row needs a string {key!r}: {row!r}")
        full = {name: row.get(name) for name in SCHEMA.names}
        for key in RUN_COLUMNS:
            if full[key] is None:
                full[key] = self.config.get(key)
        full["canonical_arch"] = full["canonical_arch"] or full["arch"]
        full["scored_arch"] = full["scored_arch"] or full["arch"]
        value = full["value"]
        full["value"] = math.nan if value is None else float(value)
        per_layer = full["per_layer"]
        if per_layer is not None:
            full["per_layer"] = [float(v) for v in np.asarray(per_layer, dtype=np.float64).reshape(-1)]
        if full["status"] is None:
            full["status"] = "error" if full["error"] else "ok"
        if full["seconds"] is not None:
            full["seconds"] = float(full["seconds"])
        return full


def load_results(path: str | Path) -> pa.Table:
    """All shards of a results folder as one pyarrow Table (empty, with the schema, if none)."""
    folder = Path(path)
    if not folder.is_dir():
        raise UserError(f"results folder {str(folder)!r} does not exist")
    if not (folder / RUN_FILE).is_file():
        raise UserError(f"{str(folder)!r} is not a results folder: it holds no {RUN_FILE}")
    tables = [pq.read_table(p, schema=SCHEMA) for p in _shards(folder)]
    if not tables:
        return SCHEMA.empty_table()
    return pa.concat_tables(tables)


def load_run_config(path: str | Path) -> dict:
    """The configuration recorded in a results folder's run.json."""
    folder = Path(path)
    if not (folder / RUN_FILE).is_file():
        raise UserError(f"{str(folder)!r} is not a results folder: it holds no {RUN_FILE}")
    return _read_run(folder)


__all__ = ["SCHEMA", "ResultStore", "load_results", "load_run_config"]


def scores_by_proxy(table: pa.Table) -> dict[str, dict[str, float]]:
    """{proxy: {arch: value}} from a results table (proxies in order of first appearance; a null
    value is NaN; a repeated (arch, proxy) row keeps the first and is logged)."""
    scores: dict[str, dict[str, float]] = {}
    duplicates = 0
    for arch, proxy, value in zip(*(table.column(c).to_pylist() for c in ("arch", "proxy", "value"))):
        per_arch = scores.setdefault(proxy, {})
        if arch in per_arch:
            duplicates += 1
            continue
        per_arch[arch] = math.nan if value is None else float(value)
    if duplicates:
        log.warning("%d duplicate (arch, proxy) rows ignored (first kept)", duplicates)
    return scores
