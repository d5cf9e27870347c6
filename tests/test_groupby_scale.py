"""Group-bys over many groups: the compact group table of ``StateFold`` against the per-group
``Tally`` fold it replaced (the slow reference: one exact state per group and spec), and its memory."""

from __future__ import annotations

import random
import tracemalloc

import numpy as np
import pytest
from lexmetrics import _exactsum
from lexmetrics._aggregate import StateFold, Tally, group_index
from lexmetrics._metric_specs import RougeSpec, build_specs

WORDS = "the a cat dog sat on mat quick brown fox jumps over lazy day night red blue . , !".split()


def _pairs(n, seed=0):
    rng = random.Random(seed)
    preds, refs = [], []
    for _ in range(n):
        ref = [rng.choice(WORDS) for _ in range(rng.randint(1, 20))]
        preds.append(" ".join(w if rng.random() < 0.7 else rng.choice(WORDS) for w in ref))
        refs.append([" ".join(ref)] * rng.choice([1, 1, 3]))  # 3 references: TER's 1/3 lengths
    return preds, refs


def _same_state(a, b):
    """Integer sums equal; exact float sums hold the same totals (their bins may split differently)."""
    if a.ndim == 1:
        np.testing.assert_array_equal(a, b)
    else:
        assert [_exactsum.state_total(r) for r in a] == [_exactsum.state_total(r) for r in b]


def _reference(specs, stats, codes, valid, ref_counts, ngroups):
    """The replaced fold: per group a Tally holding that group's rows."""
    at = np.where(valid, np.cumsum(valid) - 1, -1)
    out = []
    for g in range(ngroups):
        rows = at[codes == g]
        sel = rows[rows >= 0]
        t = Tally(specs)
        t.add(specs, [st[sel] for st in stats], len(rows) - len(sel), ref_counts[sel])
        out.append(t)
    return out


@pytest.mark.parametrize("chunk", [97, 1000])
def test_group_table_equals_the_per_group_fold(chunk):
    specs = build_specs(["rouge1", "rougeL", "bleu", "chrf", "ter"])
    preds, refs = _pairs(1000)
    rng = np.random.default_rng(0)
    group_of = rng.integers(0, 150, size=len(preds))
    valid = rng.random(len(preds)) > 0.1
    vp = [p for p, v in zip(preds, valid) if v]
    vr = [r for r, v in zip(refs, valid) if v]
    stats = [s.stats(vp, vr, 1) for s in specs]
    ref_counts = np.array([len(r) for r in vr])
    fold = StateFold(specs)
    done = 0
    for start in range(0, len(preds), chunk):
        end = min(start + chunk, len(preds))
        v = valid[start:end]
        nv = int(v.sum())
        codes, keys = group_index([[f"g{x}" for x in group_of[start:end]]])
        fold.add(
            [st[done : done + nv] for st in stats],
            rows=end - start,
            valid=v,
            groups=(codes, keys),
            ref_counts=ref_counts[done : done + nv],
        )
        done += nv
    names = [f"g{x}" for x in group_of]
    order = list(dict.fromkeys(names))
    codes = np.array([order.index(x) for x in names])
    want = _reference(specs, stats, codes, valid, ref_counts, len(order))
    got = list(fold.iter_groups())
    assert [k[0] for k, _ in got] == order
    total = fold.total()
    for (_, t), w in zip(got, want, strict=True):
        assert (t.n, t.skipped, t.nrefs) == (w.n, w.skipped, w.nrefs)
        for a, b in zip(t.states, w.states, strict=True):
            _same_state(a, b)
        assert fold.metrics(t, nrefs_of=total) == fold.metrics(w, nrefs_of=total)
    ref_total = Tally(specs)
    for w in want:
        ref_total.merge(w)
    assert fold.metrics(total) == fold.metrics(ref_total)
    assert (total.n, total.skipped, total.nrefs) == (
        ref_total.n,
        ref_total.skipped,
        ref_total.nrefs,
    )
    fast = {k: (n, m) for k, n, m in fold.iter_group_metrics(total)}
    assert fast == {k: (t.n, fold.metrics(t, nrefs_of=total)) for k, t in got}
    # the Tally view (arrow / Spark merges) holds the same
    assert {k: fold.metrics(t) for k, t in fold.groups.items()} == {
        k: fold.metrics(t) for k, t in got
    }


def test_float_values_off_the_fixed_point_grid_stay_exact():
    spec = RougeSpec(("rouge1",))
    vals = np.array([1.0, 0.0, 1e-300, 2.0**-44, 2.0**-45, 0.1, 1 / 3, 5e-324, 0.999999999999])
    stats = np.repeat(vals[:, None], 3, axis=1)
    codes = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0])
    fold = StateFold([spec])
    fold.add([stats], groups=(codes, [("a",), ("b",)]))
    fold.add([stats[::-1].copy()], groups=(codes, [("b",), ("a",)]))
    for key, t in fold.iter_groups():
        rows = np.concatenate(
            [
                stats[codes == (0 if key == ("a",) else 1)],
                stats[::-1][codes == (1 if key == ("a",) else 0)],
            ]
        )
        w = Tally([spec])
        w.add([spec], [rows])
        _same_state(t.states[0], w.states[0])


def test_many_groups_fold_in_little_memory():
    specs = build_specs(["rougeL", "bleu"])
    n = 20_000
    rng = np.random.default_rng(1)
    rouge = rng.random((n, 3))
    bleu = rng.integers(0, 30, size=(n, 10)).astype(np.int64)
    fold = StateFold(specs)
    tracemalloc.start()
    for start in range(0, n, 5000):
        codes = np.arange(5000)
        keys = [(f"id{start + i}",) for i in range(5000)]
        fold.add([rouge[start : start + 5000], bleu[start : start + 5000]], groups=(codes, keys))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # 20k groups: about 170 bytes of state each (the per-group exact states took ~100 KB each)
    assert peak < 40 * 2**20, peak
    t = dict(fold.iter_groups())[("id12345",)]
    assert t.n == 1 and t.states[1].tolist() == bleu[12345].tolist()


def test_cli_streams_groups_as_json_dumps_writes_them():
    import io
    import json

    from lexmetrics import _cli_files, cli

    specs = build_specs(["rouge1", "bleu"])
    preds, refs = _pairs(200, seed=2)
    refs = [r[0] for r in refs]
    fold = StateFold(specs)
    codes, keys = group_index([[f"g{i % 7}" for i in range(200)]])
    fold.add([s.stats(preds, refs, 1) for s in specs], groups=(codes, keys))
    total = fold.total()
    report = {
        "input": "x",
        "n": total.n,
        "metrics": fold.metrics(total),
        "groups": cli._LazyGroups(fold, total),
    }
    out = io.StringIO()
    cli._write_json(out, report)
    plain = dict(
        report,
        groups={
            k[0]: {"n": t.n, "metrics": fold.metrics(t, nrefs_of=total)}
            for k, t in fold.iter_groups()
        },
    )
    assert (
        out.getvalue()
        == json.dumps(
            _cli_files.finite_or_null(plain), indent=1, ensure_ascii=False, allow_nan=False
        )
        + "\n"
    )
