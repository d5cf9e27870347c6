"""TER through the shared metric specs: accumulators, Arrow entry points and ``lexmetrics score``,
each compared with sacrebleu's TER on the same pairs (same process)."""

from __future__ import annotations

import json
import subprocess
import sys

import lexmetrics as lm
import numpy as np
import pytest
from _sacre_corpus import make_corpus
from lexmetrics._metric_specs import TerSpec, build_specs
from lexmetrics.accumulators import Accumulators
from sacrebleu.metrics import TER

# 1 or 2 references: average reference lengths are exact binary fractions (see TerSpec).
HYPS, REFS = make_corpus(110, seed=51, max_refs=2, long_every=10**9)
REFS = [r if len(r) == 2 or i % 2 else r[0] for i, r in enumerate(REFS)]  # str and list items
ONE_REFS = [r if isinstance(r, str) else r[0] for r in REFS]


def _sacrebleu(hyps, refs, **opts):
    streams = [[r if isinstance(r, str) else r[0] for r in refs]]
    if any(not isinstance(r, str) and len(r) > 1 for r in refs):
        streams.append([None if isinstance(r, str) or len(r) < 2 else r[1] for r in refs])
    return TER(**opts).corpus_score(hyps, streams)


@pytest.mark.parametrize(
    "opts", [{}, {"normalized": True, "case_sensitive": True}, {"no_punct": True}], ids=str
)
def test_accumulator_equals_sacrebleu(opts):
    ref = _sacrebleu(HYPS, REFS, **opts)
    acc = Accumulators(["ter"], **{f"ter_{k}": v for k, v in opts.items()})
    for i in range(0, len(HYPS), 37):
        acc.update(HYPS[i : i + 37], REFS[i : i + 37])
    assert acc.compute() == {"ter": ref.score}
    res = acc.result()["ter"]
    assert (res["num_edits"], res["ref_length"], res["n"]) == (
        ref.num_edits,
        ref.ref_length,
        len(HYPS),
    )
    assert res["text"] == str(ref)

    # checkpoint and merge: two halves give the same state
    a = Accumulators(["ter"], **{f"ter_{k}": v for k, v in opts.items()}).update(
        HYPS[:40], REFS[:40]
    )
    b = Accumulators(["ter"], **{f"ter_{k}": v for k, v in opts.items()}).update(
        HYPS[40:], REFS[40:]
    )
    c = Accumulators(["ter"], **{f"ter_{k}": v for k, v in opts.items()}).load_state_dict(
        b.state_dict()
    )
    assert a.merge(c).compute() == {"ter": ref.score}


def test_spec_per_pair_and_bootstrap_weights():
    spec = build_specs(["TER"])[0]
    assert isinstance(spec, TerSpec)
    st = spec.stats(HYPS, ONE_REFS, None)
    m = TER()
    want = [m.sentence_score(h, [r]).score for h, r in zip(HYPS, ONE_REFS)]
    assert spec.per_pair(st)["ter"].tolist() == want
    w = np.ones((1, len(HYPS)))
    assert spec.weighted_scores(st, w)[0, 0] == pytest.approx(
        m.corpus_score(HYPS, [ONE_REFS]).score, rel=1e-12
    )


def test_arrow_score_batch_and_corpus():
    pa = pytest.importorskip("pyarrow")
    from lexmetrics import arrow

    batch = pa.RecordBatch.from_pydict({"prediction": HYPS, "reference": ONE_REFS})
    out = arrow.score_batch(batch, metrics=["ter"], include_stats=True)
    m = TER()
    want = [m.sentence_score(h, [r]).score for h, r in zip(HYPS, ONE_REFS)]
    assert out.column("ter").to_pylist() == want
    st = lm.ter_stats(HYPS, ONE_REFS)
    assert out.column("ter_num_edits").to_pylist() == st[:, 0].tolist()
    assert out.column("ter_ref_length").to_pylist() == st[:, 1].tolist()
    ref = m.corpus_score(HYPS, [ONE_REFS])
    from_scores = arrow.corpus_from_scores([out.slice(0, 45), out.slice(45)], metrics=["ter"])
    assert from_scores["metrics"]["ter"]["score"] == ref.score
    states = [
        arrow.state_batch(batch.slice(0, 50), metrics="ter"),
        arrow.state_batch(batch.slice(50), metrics="ter"),
    ]
    res = arrow.corpus_from_states(states, metrics="ter")
    assert res["n"] == len(HYPS) and res["metrics"]["ter"]["score"] == ref.score


def test_cli_ter(tmp_path):
    hyp, ref = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    # one line per pair: no newlines inside the texts
    pairs = [(h, r) for h, r in zip(HYPS, ONE_REFS) if "\n" not in h + r and "\r" not in h + r]
    hyp.write_text("".join(h + "\n" for h, _ in pairs), encoding="utf-8")
    ref.write_text("".join(r + "\n" for _, r in pairs), encoding="utf-8")
    hyps = hyp.read_text(encoding="utf-8").split("\n")[:-1]
    refs = ref.read_text(encoding="utf-8").split("\n")[:-1]
    for flags, opts in [
        ([], {}),
        (
            ["--ter-normalized", "--ter-asian-support", "--ter-case-sensitive"],
            {"normalized": True, "asian_support": True, "case_sensitive": True},
        ),
    ]:
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
                "ter",
                "-q",
                *flags,
            ],
            capture_output=True,
            timeout=300,
        )
        assert p.returncode == 0, p.stderr.decode()
        got = json.loads(p.stdout)["metrics"]["ter"]
        want = TER(**opts).corpus_score(hyps, [refs])
        assert got["score"] == want.score and got["num_edits"] == want.num_edits
        assert got["text"] == str(want)
        assert got["signature"].startswith(f"nrefs:1|case:{'mixed' if opts else 'lc'}|tok:tercom|")
