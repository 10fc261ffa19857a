"""The run loop and the CLI: resume after an interruption, bad input, evaluation end to end."""
import json
import math

import pytest

import zcnas
from zcnas import runner
from zcnas.cli import main
from zcnas.errors import UserError
from zcnas.spaces import get_space

CHEAP = ["params", "flops", "nwot", "synflow"]
RUN = dict(space="nb201", archs="sample:10", dataset="cifar10", data="synthetic", batch_size=8, seed=3,
           chunk_size=3, progress=False)


def _rows(path):
    table = zcnas.load_results(path)
    cols = ("arch", "proxy", "value", "scored_arch", "status")
    return sorted(zip(*(table.column(c).to_pylist() for c in cols)), key=lambda r: (r[0], r[1]))


def _same(a, b):
    assert [r[:2] + r[3:] for r in a] == [r[:2] + r[3:] for r in b]
    for ra, rb in zip(a, b):
        assert ra[2] == rb[2] or (math.isnan(ra[2]) and math.isnan(rb[2]))


def test_interrupted_then_resumed_equals_uninterrupted(tmp_path, monkeypatch):
    full = runner.score_space(proxies=CHEAP, out=tmp_path / "full", **RUN)
    assert full.scored == full.classes

    real = runner._score_class
    calls = {"n": 0}

    def interrupt_on_fifth(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "_score_class", interrupt_on_fifth)
    with pytest.raises(KeyboardInterrupt):
        runner.score_space(proxies=CHEAP, out=tmp_path / "cut", **RUN)
    partial = _rows(tmp_path / "cut")
    assert 0 < len(partial) < len(_rows(tmp_path / "full"))  # the four finished classes were kept
    monkeypatch.setattr(runner, "_score_class", real)

    resumed = runner.score_space(proxies=CHEAP, out=tmp_path / "cut", resume=True, **RUN)
    assert resumed.skipped == 4
    rows = _rows(tmp_path / "cut")
    assert len(rows) == len({(r[0], r[1]) for r in rows})  # no duplicates
    _same(rows, _rows(tmp_path / "full"))

    again = runner.score_space(proxies=CHEAP, out=tmp_path / "cut", resume=True, **RUN)
    assert again.scored == 0 and len(_rows(tmp_path / "cut")) == len(rows)


def test_each_class_scored_once_and_reported_for_every_member(tmp_path):
    archs = tmp_path / "archs.txt"
    # node 1 is identically zero in the first two, so the edges leaving it do not matter
    twin_a = "|none~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"
    twin_b = "|none~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_3x3~2|"
    other = "|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_1x1~1|nor_conv_1x1~2|"
    archs.write_text("\n".join([twin_a, twin_b, other]) + "\n")
    run = dict(RUN, archs=f"file:{archs}")
    summary = runner.score_space(proxies=["snip", "params", "flops"], out=tmp_path / "r", **run)
    assert (summary.requested, summary.classes, summary.scored) == (3, 2, 2)
    rows = {(row[0], row[1]): row for row in _rows(tmp_path / "r")}
    scored = {arch: row[3] for (arch, proxy), row in rows.items() if proxy == "snip"}
    assert scored == {twin_a: twin_a, twin_b: twin_a, other: other}
    assert rows[twin_b, "snip"][2] == rows[twin_a, "snip"][2]


def test_counts_are_taken_on_each_members_own_network(tmp_path):
    space = get_space("nb201")
    # one class: node 1 receives nothing, so the conv on edge 1->2 never matters, but has parameters
    with_dead_conv = "|none~0|+|skip_connect~0|nor_conv_3x3~1|+|skip_connect~0|none~1|nor_conv_1x1~2|"
    without = "|none~0|+|skip_connect~0|none~1|+|skip_connect~0|none~1|nor_conv_1x1~2|"
    assert space.canonical(with_dead_conv) == space.canonical(without)
    archs = tmp_path / "archs.txt"
    archs.write_text(f"{with_dead_conv}\n{without}\n")
    runner.score_space(proxies=["params", "flops", "snip"], out=tmp_path / "r", **dict(RUN, archs=f"file:{archs}"))
    rows = {(row[0], row[1]): row for row in _rows(tmp_path / "r")}
    for arch in (with_dead_conv, without):
        own = sum(p.numel() for p in space.build(arch, "cifar10").parameters()) / 1e6
        assert rows[arch, "params"][2] == pytest.approx(own, rel=1e-12)
        assert rows[arch, "params"][3] == rows[arch, "flops"][3] == arch
        assert rows[arch, "snip"][3] == with_dead_conv
    assert rows[with_dead_conv, "params"][2] > rows[without, "params"][2]
    assert rows[with_dead_conv, "flops"][2] > rows[without, "flops"][2]


@pytest.mark.parametrize(
    "override, needle",
    [
        (dict(proxies=["nwot", "bogus"]), "'bogus'"),
        (dict(space="nb999"), "'nb999'"),
        (dict(dataset="mnist"), "'mnist'"),
        (dict(archs="some"), "'some'"),
        (dict(archs="sample:x"), "sample:x"),
        (dict(archs="file:/nonexistent/archs.txt"), "/nonexistent/archs.txt"),
        (dict(data="/nonexistent/cifar"), "/nonexistent/cifar"),
    ],
)
def test_bad_input_names_the_bad_value(tmp_path, override, needle):
    kwargs = dict(RUN, proxies=["params"], out=tmp_path / "r")
    kwargs.update(override)
    with pytest.raises(UserError) as err:
        runner.score_space(**kwargs)
    assert needle in str(err.value)


def test_malformed_arch_in_file(tmp_path):
    bad = tmp_path / "archs.txt"
    bad.write_text("|nor_conv_3x3~0|+|banana~0|\n")
    with pytest.raises(UserError, match="banana"):
        runner.score_space(**dict(RUN, proxies=["params"], archs=f"file:{bad}", out=tmp_path / "r"))


def test_results_folder_of_another_configuration(tmp_path):
    runner.score_space(**dict(RUN, proxies=["params"], out=tmp_path / "r"))
    with pytest.raises(UserError, match="seed"):
        runner.score_space(**dict(RUN, proxies=["params"], out=tmp_path / "r", seed=4, resume=True))


def test_cli_user_error_is_one_line_without_traceback(tmp_path, capsys):
    status = main(["score", "--proxies", "nope", "--archs", "sample:2", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("zcnas: error:") and "'nope'" in err and "Traceback" not in err


def test_cli_score_then_evaluate_json(tmp_path, capsys, data_dir):
    out = tmp_path / "r"
    assert main(["score", "--proxies", "params,nwot", "--archs", "sample:12", "--batch-size", "8",
                 "--data", "cifar-sample", "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    truth = data_dir / "nb201" / "nb201_ground_truth.csv"
    assert main(["evaluate", str(out), "--truth", str(truth), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    by_proxy = {row["proxy"]: row for row in report["proxies"]}
    assert set(by_proxy) == {"params", "nwot"}
    assert by_proxy["params"]["n"] == 12
    assert -1.0 <= by_proxy["params"]["kendall_tau"] <= 1.0


def test_cli_list_names_spaces_and_proxies(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "space nb201" in out and "tcet_snip" in out and "cifar-sample" in out
