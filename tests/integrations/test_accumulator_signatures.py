"""Accumulator signatures say sacrebleu's nrefs (a number, or "var"), however the data was fed."""

from __future__ import annotations

import pickle

import pytest
import sacrebleu
from lexmetrics.accumulators import Accumulators, BleuAccumulator, ChrfAccumulator
from sacrebleu.metrics import BLEU, CHRF

PREDS = ["the cat sat on the mat", "a dog ran far", "it is 42", "quick brown fox"]
REFS2 = [
    ["the cat sat on a mat", "a cat sat"],
    ["the dog ran away", "a dog ran"],
    ["it was 42", "it is 42"],
    ["the quick fox", "a brown fox"],
]
REFSV = [
    ["the cat sat on a mat"],
    ["the dog ran away", "a dog ran"],
    ["it was 42"],
    ["the quick fox", "a brown fox", "fox"],
]


def _streams(refs):
    width = max(len(r) for r in refs)
    return [[r[j] if j < len(r) else None for r in refs] for j in range(width)]


def _sacre_sigs(refs):
    out = {}
    for name, metric in (("bleu", BLEU()), ("chrf", CHRF()), ("chrf++", CHRF(word_order=2))):
        metric.corpus_score(PREDS, _streams(refs))
        out[name] = metric.get_signature().format()
    return out


def _head(sig: str) -> str:
    return sig.split("|version:")[0]


@pytest.mark.parametrize(
    "refs,want", [(REFS2, "nrefs:2"), (REFSV, "nrefs:var"), ([r[0] for r in REFS2], "nrefs:1")]
)
def test_nrefs_matches_sacrebleu(refs, want):
    sacre = _sacre_sigs(refs if isinstance(refs[0], list) else [[r] for r in refs])
    for acc in (Accumulators(("bleu", "chrf", "chrf++")),):
        acc.update(PREDS[:2], refs[:2]).update(PREDS[2:], refs[2:])
        res = acc.result()
        for name in ("bleu", "chrf", "chrf++"):
            assert _head(res[name]["signature"]) == _head(sacre[name])
            assert res[name]["signature"].startswith(want + "|")
    b = BleuAccumulator().update(PREDS, refs).result()["bleu"]
    assert (
        b["score"]
        == sacrebleu.corpus_bleu(
            PREDS, _streams(refs) if isinstance(refs[0], list) else [refs]
        ).score
    )
    assert b["signature"].startswith(want + "|")
    assert (
        ChrfAccumulator().update(PREDS, refs).result()["chrf"]["signature"].startswith(want + "|")
    )


def test_nrefs_survives_merge_and_state_dict():
    a = BleuAccumulator().update(PREDS[:1], REFSV[:1])  # one reference
    b = BleuAccumulator().update(PREDS[1:2], REFSV[1:2])  # two
    assert a.nrefs == 1 and b.nrefs == 2
    assert a.merge(b).nrefs == "var"
    assert a.result()["bleu"]["signature"].startswith("nrefs:var|")
    c = BleuAccumulator().load_state_dict(pickle.loads(pickle.dumps(b.state_dict())))
    assert c.result()["bleu"]["signature"].startswith("nrefs:2|")
    # Two-reference data merged into an empty accumulator stays nrefs:2.
    assert BleuAccumulator().merge(b).nrefs == 2
    # A state_dict written before nrefs was kept loads (config with nrefs, no "nrefs" entry).
    old = b.state_dict()
    old.pop("nrefs")
    old["config"] = [dict(old["config"][0], nrefs=1)]
    assert BleuAccumulator().load_state_dict(old).nrefs == 1
    assert BleuAccumulator().reset().nrefs == 1  # empty: sacrebleu's default signature
