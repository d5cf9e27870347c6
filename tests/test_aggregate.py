"""The one fold (lexmetrics._aggregate), the one group keying shared by the CLI and the Arrow/Spark
entry points, and per-row scores from per-row statistics in one native call."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import lexmetrics
import numpy as np
import pytest
import sacrebleu
from lexmetrics import _native
from lexmetrics._aggregate import StateFold, group_index
from lexmetrics._errors import InputValueError
from lexmetrics._metric_specs import BleuSpec, ChrfSpec, build_specs

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
LA = pytest.importorskip("lexmetrics.arrow")

PREDS = [
    "the cat sat on the mat",
    "a dog",
    "",
    "hello there world",
    "it is raining today",
    "x y z",
] * 3
REFS = ["the cat is on the mat", "a dog barks", "nothing", "hello world", "", "x y z"] * 3


@pytest.mark.parametrize(
    "spec",
    [
        BleuSpec(),
        BleuSpec(smooth_method="floor"),
        BleuSpec(smooth_method="add-k", smooth_value=2),
        BleuSpec(smooth_method="none"),
        BleuSpec(max_ngram_order=2, tokenize="char"),
        ChrfSpec(),
        ChrfSpec(word_order=2),
        ChrfSpec(eps_smoothing=True, beta=1),
    ],
    ids=repr,
)
def test_per_row_scores_equal_sacrebleu_sentence_scores(spec):
    st = spec.stats(PREDS, REFS, None)
    (got,) = spec.per_pair(st).values()
    if isinstance(spec, BleuSpec):
        ref = sacrebleu.metrics.BLEU(
            tokenize=spec.tokenize,
            smooth_method=spec.smooth_method,
            smooth_value=spec.smooth_value,
            max_ngram_order=spec.max_ngram_order,
            effective_order=True,
        )
    else:
        ref = sacrebleu.metrics.CHRF(
            char_order=spec.char_order,
            word_order=spec.word_order,
            beta=spec.beta,
            eps_smoothing=spec.eps_smoothing,
        )
    want = [ref.sentence_score(p, [r]).score for p, r in zip(PREDS, REFS)]
    assert got.dtype == np.float64 and got.tolist() == want


def test_per_row_scores_take_any_layout_and_name_bad_input():
    spec = BleuSpec()
    st = spec.stats(PREDS, REFS, None)
    want = _native.bleu_scores_from_stats(st, "exp", None, True, 4)
    fortran = np.asfortranarray(st)
    assert _native.bleu_scores_from_stats(fortran, "exp", None, True, 4).tolist() == want.tolist()
    assert (
        _native.bleu_scores_from_stats(st[::2], "exp", None, True, 4).tolist() == want[::2].tolist()
    )
    assert len(_native.chrf_scores_from_stats(np.zeros((0, 18), np.int64), 6, 0, 2.0, False)) == 0
    with pytest.raises(InputValueError, match=r"10 columns.*\(2, 3\)"):
        _native.bleu_scores_from_stats(np.zeros((2, 3), np.int64), "exp", None, True, 4)
    with pytest.raises(InputValueError, match="smooth"):
        _native.bleu_scores_from_stats(st, "nope", None, True, 4)
    with pytest.raises(InputValueError, match="char_order"):
        _native.chrf_scores_from_stats(np.zeros((1, 3), np.int64), -1, 0, 2.0, False)


def test_weighted_scores_equal_corpus_scores_of_each_resample():
    for spec in build_specs(["bleu", "chrf++"]):
        st = spec.stats(PREDS, REFS, None)
        w = np.random.default_rng(1).integers(0, 3, size=(5, len(PREDS)))
        got = spec.weighted_scores(st, w)[:, 0].tolist()
        want = [
            spec.compute(spec.add(spec.empty_state(), np.repeat(st, row, axis=0)), int(row.sum()))[
                "score"
            ]
            for row in w
        ]
        assert got == want


def test_fold_totals_and_groups_match_folding_each_group_alone():
    specs = build_specs(["rouge1", "bleu", "chrf"])
    stats = [s.stats(PREDS, REFS, None) for s in specs]
    codes, keys = group_index([pa.array([i % 4 for i in range(len(PREDS))])])
    assert keys == [(0,), (1,), (2,), (3,)] and codes.tolist() == [i % 4 for i in range(len(PREDS))]
    fold = StateFold(specs)
    fold.add(stats, groups=(codes, keys), ref_counts=np.ones(len(PREDS), np.int64))
    alone = StateFold(specs)
    alone.add(stats, ref_counts=np.ones(len(PREDS), np.int64))
    assert fold.metrics(fold.total()) == alone.metrics(alone.tally())
    for g, key in enumerate(keys):
        one = StateFold(specs)
        one.add([st[codes == g] for st in stats])
        assert fold.metrics(fold.tally(key)) == one.metrics(one.tally())


def test_group_keys_follow_spark_nan_and_signed_zero():
    nan = float("nan")
    col = [1.5, nan, -0.0, 0.0, None, float("nan"), 1.5]
    for c in (col, pa.array(col, pa.float64())):
        codes, keys = group_index([c])
        assert codes.tolist() == [0, 1, 2, 2, 3, 1, 0]
        assert (
            keys[0] == (1.5,)
            and math.isnan(keys[1][0])
            and keys[2] == (0.0,)
            and keys[3] == (None,)
        )
    codes, keys = group_index([pa.array(["b", "a", "b", "a"]), pa.array([1, 1, 1, 2])])
    assert codes.tolist() == [0, 1, 0, 2] and keys == [("b", 1), ("a", 1), ("a", 2)]


@pytest.mark.parametrize(
    "values, typ",
    [
        ([1, 2, 1, 3, 2, 1] * 3, pa.int64()),
        ([0.5, float("nan"), -0.0, 0.0, 0.5, float("nan")] * 3, pa.float64()),
        ([True, False, None, True, None, False] * 3, pa.bool_()),
        (["a", None, "b", "a", "b", None] * 3, pa.string()),
    ],
)
def test_cli_names_groups_as_json_of_the_arrow_keys(tmp_path, values, typ):
    """`lexmetrics score --by g` keys are the JSON names of lexmetrics.arrow's (and so Spark's)
    typed group keys, with the same counts and scores after the last merge."""
    table = pa.table({"prediction": PREDS, "reference": REFS, "g": pa.array(values, typ)})
    path = tmp_path / "d.parquet"
    pq.write_table(table, path)
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "lexmetrics.cli",
            "score",
            "-i",
            str(path),
            "-m",
            "bleu,rouge1",
            "--by",
            "g",
        ],
        capture_output=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr.decode()
    cli = json.loads(p.stdout)["groups"]
    parts = [
        LA.state_batch(b, metrics=["bleu", "rouge1"], by="g")
        for b in table.to_batches(max_chunksize=5)
    ]
    arrow = json.loads(
        json.dumps(LA.corpus_from_states(parts, metrics=["bleu", "rouge1"], by="g")["groups"])
    )
    assert sorted(cli) == sorted(arrow)
    for key in cli:
        assert cli[key]["n"] == arrow[key]["n"]
        assert cli[key]["metrics"] == arrow[key]["metrics"]


def test_per_pair_output_scores_are_sentence_scores(tmp_path):
    out = tmp_path / "pp.jsonl"
    hyp, ref = tmp_path / "h.txt", tmp_path / "r.txt"
    hyp.write_text("\n".join(PREDS) + "\n")
    ref.write_text("\n".join(REFS) + "\n")
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "lexmetrics.cli",
            "score",
            "-i",
            str(hyp),
            "-r",
            str(ref),
            "-m",
            "bleu,chrf++",
            "--per-pair",
            str(out),
        ],
        capture_output=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr.decode()
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["bleu"] for r in rows] == [
        lexmetrics.sentence_bleu([h], [r])[0] for h, r in zip(PREDS, REFS)
    ]
    chrf = sacrebleu.metrics.CHRF(word_order=2)
    assert [r["chrf++"] for r in rows] == [
        chrf.sentence_score(h, [r]).score for h, r in zip(PREDS, REFS)
    ]
