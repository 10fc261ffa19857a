import json
import math

import numpy as np
import pyarrow as pa
import pytest

from zcnas.errors import UserError
from zcnas.store import SCHEMA, ResultStore, load_results, load_run_config

CONFIG = {
    "space": "nb201",
    "dataset": "cifar10",
    "data_source": "synthetic",
    "batch_size": 64,
    "seed": 0,
    "proxies": ["snip", "nwot"],
    "version": "0.1.0",
    "batch_digest": "0123456789abcdef",
}


def rows_for(arch, proxies=("snip", "nwot"), seconds=0.5):
    return [
        {
            "arch": arch,
            "proxy": p,
            "value": float(len(arch) + i),
            "per_layer": np.array([1.0, 2.0]),
            "seconds": seconds,
        }
        for i, p in enumerate(proxies)
    ]


def test_write_reload_columns_and_types(tmp_path):
    out = tmp_path / "run"
    store = ResultStore(out, CONFIG, resume=False)
    assert store.done() == set()
    assert store.write_chunk(rows_for("a") + rows_for("bb")) == 4
    store.write_chunk(
        [
            {
                "arch": "c",
                "proxy": "snip",
                "value": float("nan"),
                "error": "boom",
                "scored_arch": "c2",
                "canonical_arch": "c1",
            }
        ]
    )
    table = load_results(out)
    assert table.schema.equals(SCHEMA)
    assert table.num_rows == 5
    rows = {(r["arch"], r["proxy"]): r for r in table.to_pylist()}
    ok = rows[("a", "snip")]
    assert ok["status"] == "ok" and ok["error"] is None and ok["per_layer"] == [1.0, 2.0]
    assert ok["space"] == "nb201" and ok["batch_size"] == 64 and ok["batch_digest"] == "0123456789abcdef"
    assert ok["canonical_arch"] == ok["scored_arch"] == "a" and ok["seconds"] == 0.5
    err = rows[("c", "snip")]
    assert err["status"] == "error" and err["error"] == "boom" and math.isnan(err["value"])
    assert err["per_layer"] is None and (err["canonical_arch"], err["scored_arch"]) == ("c1", "c2")
    assert sorted(p.name for p in out.iterdir()) == ["part-000000.parquet", "part-000001.parquet", "run.json"]
    assert load_run_config(out) == CONFIG


def test_existing_run_without_resume(tmp_path):
    ResultStore(tmp_path, CONFIG, resume=False).write_chunk(rows_for("a"))
    with pytest.raises(UserError, match=rf"{tmp_path.name}.*already holds a run.*--resume"):
        ResultStore(tmp_path, CONFIG, resume=False)


def test_resume_skips_done_and_never_duplicates(tmp_path):
    ResultStore(tmp_path, CONFIG, resume=False).write_chunk(rows_for("a"))
    store = ResultStore(tmp_path, CONFIG, resume=True)
    assert store.done() == {("a", "snip"), ("a", "nwot")}
    # a chunk mixing done and new pairs, with a duplicate inside the chunk
    assert store.write_chunk(rows_for("a") + rows_for("b") + rows_for("b")) == 2
    assert store.write_chunk(rows_for("a")) == 0
    table = load_results(tmp_path)
    pairs = list(zip(table.column("arch").to_pylist(), table.column("proxy").to_pylist()))
    assert len(pairs) == len(set(pairs)) == 4
    assert ResultStore(tmp_path, CONFIG, resume=True).done() == set(pairs)


def test_resume_with_different_config_names_keys(tmp_path):
    ResultStore(tmp_path, CONFIG, resume=False)
    changed = dict(CONFIG, seed=1, batch_size=32)
    with pytest.raises(UserError) as info:
        ResultStore(tmp_path, changed, resume=True)
    message = str(info.value)
    assert "seed: stored 0, requested 1" in message and "batch_size: stored 64, requested 32" in message
    assert "dataset" not in message


def test_resume_may_add_proxies(tmp_path):
    ResultStore(tmp_path, CONFIG, resume=False).write_chunk(rows_for("a"))
    store = ResultStore(tmp_path, dict(CONFIG, proxies=["zico"]), resume=True)
    assert store.config["proxies"] == ["snip", "nwot", "zico"]
    assert load_run_config(tmp_path)["proxies"] == ["snip", "nwot", "zico"]
    assert store.write_chunk(rows_for("a", proxies=("snip", "zico"))) == 1


def test_crash_leftover_temp_file_is_ignored_and_cleaned(tmp_path):
    store = ResultStore(tmp_path, CONFIG, resume=False)
    store.write_chunk(rows_for("a"))
    leftover = tmp_path / ".part-000001.parquet.1a2b.tmp"
    leftover.write_bytes(b"half-written parquet")
    assert load_results(tmp_path).num_rows == 2  # readers ignore it
    store = ResultStore(tmp_path, CONFIG, resume=True)
    assert not leftover.exists()
    store.write_chunk(rows_for("b"))
    assert load_results(tmp_path).num_rows == 4


def test_empty_and_missing_folders(tmp_path):
    ResultStore(tmp_path / "new", CONFIG, resume=True)  # resume of nothing starts a fresh run
    table = load_results(tmp_path / "new")
    assert table.num_rows == 0 and table.schema.equals(SCHEMA)
    with pytest.raises(UserError, match="nowhere"):
        load_results(tmp_path / "nowhere")
    (tmp_path / "plain").mkdir()
    with pytest.raises(UserError, match="run.json"):
        load_results(tmp_path / "plain")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "run.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(UserError, match="run.json"):
        ResultStore(bad, CONFIG, resume=True)


def test_rows_with_unknown_columns_are_rejected(tmp_path):
    store = ResultStore(tmp_path, CONFIG, resume=False)
    with pytest.raises(ValueError, match="colour"):
        store.write_chunk([{"arch": "a", "proxy": "snip", "value": 1.0, "colour": "red"}])
    assert isinstance(load_results(tmp_path), pa.Table)
