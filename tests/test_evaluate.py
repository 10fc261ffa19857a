import json
import math

import pyarrow as pa
import pytest

from zcnas.data.truth import Truth
from zcnas.evaluate import evaluate, format_report

TRUTH = Truth({"a": 1.0, "b": 3.0, "c": 2.0, "d": 4.0, "e": 5.0}, "acc", "hand-made")


def table(rows):
    archs, proxies, values = zip(*rows)
    return pa.table({"arch": list(archs), "proxy": list(proxies), "value": [float(v) for v in values]})


def by_proxy(rows):
    return {r["proxy"]: r for r in rows}


def test_perfect_reversed_and_hand_checked():
    t = table(
        [(a, "good", v) for a, v in TRUTH.values.items()]
        + [(a, "bad", -v) for a, v in TRUTH.values.items()]
        # ranks 1..5 for a..e: against truth ranks (1, 3, 2, 4, 5) one discordant pair of 10,
        # tau = (9 - 1) / 10 = 0.8; sum d^2 = 2, rho = 1 - 6 * 2 / (5 * 24) = 0.9
        + [(a, "hand", i + 1) for i, a in enumerate("abcde")]
    )
    r = by_proxy(evaluate(t, TRUTH, top_k=(2, 3, 10)))
    assert r["good"]["kendall_tau"] == pytest.approx(1.0) and r["good"]["spearman_rho"] == pytest.approx(1.0)
    assert r["bad"]["kendall_tau"] == pytest.approx(-1.0) and r["bad"]["spearman_rho"] == pytest.approx(-1.0)
    assert r["hand"]["kendall_tau"] == pytest.approx(0.8) and r["hand"]["spearman_rho"] == pytest.approx(0.9)
    # top-2: {e, d} both ways; top-3: proxy {e, d, c}, truth {e, d, b}
    assert r["hand"]["top2"] == 1.0 and r["hand"]["top3"] == pytest.approx(2 / 3)
    assert r["bad"]["top2"] == 0.0
    assert r["hand"]["top10"] is None  # fewer than 10 evaluated
    assert r["hand"]["n"] == 5 and r["hand"]["missing"] == 0 and r["hand"]["nan"] == 0


def test_missing_nan_and_filter():
    t = table(
        [("a", "p", 1.0), ("b", "p", 2.0), ("c", "p", float("nan")), ("d", "p", 4.0), ("zz", "p", 9.0)]
    )
    (r,) = evaluate(t, TRUTH, top_k=())
    assert (r["scored"], r["n"], r["missing"], r["nan"]) == (5, 3, 1, 1)
    assert r["kendall_tau"] == pytest.approx(1.0)
    (sub,) = evaluate(t, TRUTH, top_k=(), archs={"a", "b"})
    assert sub["n"] == 2 and sub["missing"] == 0
    (pred,) = evaluate(t, TRUTH, top_k=(), archs=lambda arch: arch != "a")
    assert pred["n"] == 2 and pred["scored"] == 4


def test_degenerate_cases_give_none_not_nan():
    t = table([("a", "const", 1.0), ("b", "const", 1.0), ("c", "const", 1.0), ("a", "one", 3.0)])
    r = by_proxy(evaluate(t, TRUTH))
    assert r["const"]["kendall_tau"] is None and r["const"]["spearman_rho"] is None
    assert r["one"]["n"] == 1 and r["one"]["kendall_tau"] is None


def test_rows_are_json_serialisable_and_report_is_aligned():
    t = table([(a, "snip", v) for a, v in TRUTH.values.items()] + [("a", "nwot", float("nan"))])
    rows = evaluate(t, TRUTH, top_k=(2,))
    back = json.loads(json.dumps(rows, allow_nan=False))
    assert back == rows and all(r["metric"] == "acc" for r in rows)
    text = format_report(rows)
    lines = text.splitlines()
    assert "acc" in lines[0] and "tau" in lines[1] and "top2" in lines[1]
    assert len({len(line) for line in lines[1:3]}) == 1
    assert lines[3].startswith("snip") and "1.000" in lines[3]
    assert lines[4].startswith("nwot") and "-" in lines[4]
    assert format_report([]) == "no results"


def test_sign_is_kept_for_anticorrelated_proxy():
    values = {f"x{i}": float(i) for i in range(30)}
    truth = Truth(values, "acc", "t")
    t = table([(a, "neg", -v + (0.5 if i % 7 == 0 else 0.0)) for i, (a, v) in enumerate(values.items())])
    (r,) = evaluate(t, truth)
    assert r["kendall_tau"] < -0.8 and r["spearman_rho"] < -0.9
    assert not math.isnan(r["kendall_tau"])
