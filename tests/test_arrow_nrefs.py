"""Corpus signatures from Arrow states say sacrebleu's nrefs: the one number of references per row,
or "var"; through partial states and their merge."""

from __future__ import annotations

import pyarrow as pa
import pytest
from lexmetrics import arrow as LA
from sacrebleu.metrics import BLEU, CHRF

PREDS = ["the cat sat on the mat", "a dog ran far", "it is 42", "quick brown fox", "x y"]
REFS = [
    ["the cat sat on a mat"],
    ["the dog ran away", "a dog ran"],
    ["it was 42"],
    ["the quick fox", "a brown fox", "fox"],
    ["x"],
]


def _sacre(refs, preds=None):
    preds = PREDS[: len(refs)] if preds is None else preds
    width = max(len(r) for r in refs)
    streams = [[r[j] if j < len(r) else None for r in refs] for j in range(width)]
    out = {}
    for name, metric in (("bleu", BLEU()), ("chrf", CHRF())):
        metric.corpus_score(preds, streams)
        out[name] = metric.get_signature().format().split("|version:")[0]
    return out


def _heads(res):
    return {k: res["metrics"][k]["signature"].split("|version:")[0] for k in ("bleu", "chrf")}


@pytest.mark.parametrize(
    "refs", [REFS, [r[:1] for r in REFS], [[r[0], r[0]] for r in REFS]], ids=["var", "one", "two"]
)
def test_corpus_signature_nrefs_matches_sacrebleu(refs):
    table = pa.table(
        {
            "prediction": PREDS,
            "reference": pa.array(refs, pa.list_(pa.string())),
            "g": [0, 0, 1, 1, 1],
        }
    )
    # Two partial states (as two partitions would make), merged.
    parts = [
        LA.state_batch(table.slice(0, 2), metrics=["bleu", "chrf"], by="g"),
        LA.state_batch(table.slice(2), metrics=["bleu", "chrf"], by="g"),
    ]
    res = LA.corpus_from_states(parts, metrics=["bleu", "chrf"], by="g")
    assert _heads(res) == _sacre(refs)
    assert _heads(res["groups"][0]) == _sacre(refs[:2])  # a group's nrefs: its own rows
    assert _heads(res["groups"][1]) == _sacre(refs[2:], PREDS[2:])


def test_plain_string_references_are_one_and_an_explicit_nrefs_is_kept():
    table = pa.table({"prediction": PREDS, "reference": [r[0] for r in REFS]})
    res = LA.corpus_from_states(LA.state_batch(table, metrics=["bleu"]), metrics=["bleu"])
    assert res["metrics"]["bleu"]["signature"].startswith("nrefs:1|")
    multi = pa.table({"prediction": PREDS, "reference": pa.array(REFS, pa.list_(pa.string()))})
    st = LA.state_batch(multi, metrics=["bleu"], nrefs=4)
    res = LA.corpus_from_states(st, metrics=["bleu"], nrefs=4)
    assert res["metrics"]["bleu"]["signature"].startswith("nrefs:4|")
