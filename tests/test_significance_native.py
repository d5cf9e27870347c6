"""The native resampling (``_significance`` on ``lexmetrics_core::resample``) against the numpy
implementation it replaced (kept below, verbatim, as the slow reference) and against sacrebleu's
own paired tests, in the same process."""

from __future__ import annotations

import random

import numpy as np
import pytest
import sacrebleu
from lexmetrics import _native
from lexmetrics._metric_specs import build_specs
from lexmetrics._significance import approximate_randomization, bootstrap_ci, paired_bootstrap

# ---- the numpy reference (lexmetrics 0.1's _significance.py) -------------------------------------
_BATCH_ELEMS = 4_000_000


def _batches(n_samples, n):
    b = max(1, min(n_samples, _BATCH_ELEMS // max(n, 1)))
    done = 0
    while done < n_samples:
        k = min(b, n_samples - done)
        yield k
        done += k


def _resample_weights(rng, k, n):
    idx = rng.integers(0, n, size=(k, n))
    w = np.zeros((k, n), dtype=np.int64)
    np.add.at(w, (np.repeat(np.arange(k), n), idx.ravel()), 1)
    return w


def ref_scores(spec, stats, n_samples, seed):
    n = stats.shape[0]
    rng = np.random.default_rng(seed)
    return np.concatenate(
        [spec.weighted_scores(stats, _resample_weights(rng, k, n)) for k in _batches(n_samples, n)]
    )


def ref_ci(spec, stats, n_samples, confidence, seed):
    scores = ref_scores(spec, stats, n_samples, seed)
    d = (1.0 - confidence) / 2.0
    return [
        (*np.percentile(scores[:, j], [100 * d, 100 * (1 - d)]), scores[:, j].mean())
        for j in range(scores.shape[1])
    ]


def ref_paired_bs(spec, bl_stats, sys_stats, n_samples, seed):
    n = bl_stats.shape[0]
    bl, sy = (
        ref_scores(spec, bl_stats, n_samples, seed),
        ref_scores(spec, sys_stats, n_samples, seed),
    )
    ones = np.ones((1, n), dtype=np.int64)
    rb, rs = spec.weighted_scores(bl_stats, ones)[0], spec.weighted_scores(sys_stats, ones)[0]
    out = []
    for j in range(bl.shape[1]):
        sample = np.abs(sy[:, j] - bl[:, j])
        c = int(np.sum(sample - sample.mean() >= abs(rs[j] - rb[j])))
        out.append((c + 1) / (n_samples + 1))
    return out


def ref_ar_pvalue_with_masks(spec, bl_stats, sys_stats, masks):
    """p-value of the AR test whose trial t swaps the pairs where masks[t] is True."""
    n = bl_stats.shape[0]
    ones = np.ones((1, n), dtype=np.int64)
    rb, rs = spec.weighted_scores(bl_stats, ones)[0], spec.weighted_scores(sys_stats, ones)[0]
    pos = masks.astype(np.int64)
    both = np.concatenate([bl_stats, sys_stats])
    a = spec.weighted_scores(both, np.concatenate([pos, 1 - pos], axis=1))
    b = spec.weighted_scores(both, np.concatenate([1 - pos, pos], axis=1))
    return [
        (int(np.sum(np.abs(a[:, j] - b[:, j]) >= abs(rs[j] - rb[j]))) + 1) / (len(masks) + 1)
        for j in range(a.shape[1])
    ]


# ---- data ----------------------------------------------------------------------------------------
WORDS = "the a cat dog sat on mat quick brown fox jumps over lazy day night red blue . , !".split()


def _corpus(n, seed=0, noise=0.2):
    rng = random.Random(seed)
    refs, a, b = [], [], []
    for _ in range(n):
        ref = [rng.choice(WORDS) for _ in range(rng.randint(1, 25))]
        refs.append(" ".join(ref))
        a.append(" ".join(w if rng.random() > noise else rng.choice(WORDS) for w in ref))
        b.append(" ".join(w if rng.random() > noise + 0.05 else rng.choice(WORDS) for w in ref))
    return a, b, refs


SPECS = build_specs(["rouge1", "rougeL", "bleu", "chrf", "ter"])


def _stats(spec, preds, refs):
    return spec.stats(preds, refs, 1)


@pytest.fixture(scope="module")
def data():
    a, b, refs = _corpus(300)
    return {s.name: (_stats(s, a, refs), _stats(s, b, refs)) for s in SPECS}


def _spec(name):
    return next(s for s in SPECS if s.name == name)


@pytest.mark.parametrize("name", ["rouge", "bleu", "chrf", "ter"])
@pytest.mark.parametrize("seed", [12345, 0, 7])
def test_intervals_equal_the_numpy_implementation(data, name, seed):
    spec = _spec(name)
    stats = data[name][0]
    got = bootstrap_ci(spec, stats, n_samples=200, confidence=0.9, seed=seed)
    want = ref_ci(spec, stats, 200, 0.9, seed)
    for (metric, r), (lo, hi, mean) in zip(got.items(), want, strict=True):
        if name in ("bleu", "chrf"):  # integer statistics: the same sums, the same scores
            assert (r["low"], r["high"], r["mean"]) == (lo, hi, mean), metric
        else:  # float statistics: summed in another order
            np.testing.assert_allclose([r["low"], r["high"], r["mean"]], [lo, hi, mean], rtol=1e-12)


def test_intervals_span_several_native_calls(data, monkeypatch):
    # The generator's state carries across calls: the same draws as one call.
    from lexmetrics import _significance

    spec, stats = _spec("bleu"), data["bleu"][0]
    one = bootstrap_ci(spec, stats, n_samples=50)
    monkeypatch.setattr(_significance, "_DRAWS_PER_CALL", 7 * stats.shape[0])
    assert bootstrap_ci(spec, stats, n_samples=50) == one
    assert one["bleu"]["low"] == ref_ci(spec, stats, 50, 0.95, 12345)[0][0]


def test_large_n_uses_many_reference_batches():
    # n large enough that the numpy reference draws in several integers() calls.
    rng = np.random.default_rng(1)
    n = 70_000
    stats = rng.integers(0, 9, size=(n, 10)).astype(np.int64)
    stats[:, 6:] += stats[:, 2:6]  # totals >= correct
    spec = _spec("bleu")
    got = bootstrap_ci(spec, stats, n_samples=120, seed=3)["bleu"]
    lo, hi, mean = ref_ci(spec, stats, 120, 0.95, 3)[0]
    assert (got["low"], got["high"], got["mean"]) == (lo, hi, mean)


@pytest.mark.parametrize("name", ["rouge", "bleu", "chrf", "ter"])
def test_paired_bootstrap_equals_the_numpy_implementation(data, name):
    spec = _spec(name)
    bl, sy = data[name]
    got = paired_bootstrap(spec, bl, sy, n_samples=300, seed=5)
    want = ref_paired_bs(spec, bl, sy, 300, 5)
    assert [r["p_value"] for r in got.values()] == want


def test_paired_bootstrap_equals_sacrebleu(data):
    from sacrebleu.significance import _paired_bs_test

    a, b, refs = _corpus(300)
    metric = sacrebleu.BLEU()
    bl_stats = metric._extract_corpus_statistics(a, [refs])
    info = {"BLEU": (bl_stats, metric._aggregate_and_compute(bl_stats))}
    _, theirs = _paired_bs_test(info, "b", b, [refs], {"BLEU": metric}, n_samples=400, seed=12345)
    spec = _spec("bleu")
    ours = paired_bootstrap(spec, data["bleu"][0], data["bleu"][1], n_samples=400, seed=12345)[
        "bleu"
    ]
    assert ours["p_value"] == theirs["BLEU"].p_value
    assert ours["system"] == theirs["BLEU"].score


def _ar_masks(seed, n, trials):
    """The swaps of the native AR: bit i % 64 of SplitMix64 output t * ceil(n / 64) + i // 64."""
    from lexmetrics._significance import _ar_key

    key = _ar_key(seed)
    words = -(-n // 64)
    m64 = (1 << 64) - 1
    masks = np.zeros((trials, n), dtype=bool)
    for t in range(trials):
        for w in range(words):
            z = (key + (t * words + w + 1) * 0x9E3779B97F4A7C15) & m64
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m64
            z ^= z >> 31
            for i in range(w * 64, min(n, w * 64 + 64)):
                masks[t, i] = (z >> (i - w * 64)) & 1
    return masks


@pytest.mark.parametrize("name", ["rouge", "bleu", "chrf", "ter"])
def test_approximate_randomization_equals_the_reference_with_its_swaps(data, name):
    spec = _spec(name)
    bl, sy = data[name]
    got = approximate_randomization(spec, bl, sy, n_samples=200, seed=11)
    want = ref_ar_pvalue_with_masks(spec, bl, sy, _ar_masks(11, bl.shape[0], 200))
    assert [r["p_value"] for r in got.values()] == want


def test_approximate_randomization_is_fair_and_reproducible(data):
    masks = _ar_masks(12345, 300, 400)
    assert abs(masks.mean() - 0.5) < 0.01  # a fair coin per pair
    spec = _spec("chrf")
    bl, sy = data["chrf"]
    sy = np.concatenate([sy[:15], bl[15:]])  # close to the baseline: a p-value far from its bounds
    a = approximate_randomization(spec, bl, sy, n_samples=3000, seed=1)
    assert approximate_randomization(spec, bl, sy, n_samples=3000, seed=1, workers=1) == a
    assert (
        approximate_randomization(spec, bl, sy, n_samples=3000, seed=2)["chrf"]["p_value"]
        != a["chrf"]["p_value"]
    )


def test_approximate_randomization_agrees_with_sacrebleu_in_distribution(data):
    from sacrebleu.significance import _paired_ar_test

    a, b, refs = _corpus(300)
    metric = sacrebleu.CHRF()
    bl_stats = metric._extract_corpus_statistics(a, [refs])
    info = {"chrF2": (bl_stats, metric._aggregate_and_compute(bl_stats))}
    _, theirs = _paired_ar_test(info, "b", b, [refs], {"chrF2": metric}, n_samples=2000, seed=12345)
    p = approximate_randomization(_spec("chrf"), *data["chrf"], n_samples=2000)["chrf"]["p_value"]
    q = theirs["chrF2"].p_value
    # two independent estimates of one p-value from 2000 trials each: within 5 standard errors
    se = np.sqrt(2 * q * (1 - q) / 2000) + 1e-3
    assert abs(p - q) < 5 * se, (p, q)


def test_a_system_against_itself_gets_p_one(data):
    for name in ("rouge", "bleu", "ter"):
        bl = data[name][0]
        for r in approximate_randomization(_spec(name), bl, bl.copy(), n_samples=300).values():
            assert r["p_value"] == 1.0
        for r in paired_bootstrap(_spec(name), bl, bl.copy(), n_samples=300).values():
            assert r["p_value"] == 1.0


def test_native_draws_equal_numpy_over_sizes():
    # One-column statistics equal to the pair index: each sum is then the sum of the drawn indices.
    for n in (1, 2, 3, 1000, 65_537):
        col = np.arange(n, dtype=np.int64)[:, None]
        st = np.random.default_rng(9).bit_generator.state
        state = (st["state"]["state"], st["state"]["inc"], False, 0)
        ints, _, after = _native.bootstrap_sums([col], [], state, 5)
        rng = np.random.default_rng(9)
        draws = rng.integers(0, n, size=(5, n))
        assert ints[:, 0].tolist() == draws.sum(axis=1).tolist(), n
        s = rng.bit_generator.state
        assert after == (
            s["state"]["state"],
            s["state"]["inc"],
            bool(s["has_uint32"]),
            s["uinteger"],
        )


def test_bad_arguments_are_value_errors():
    spec = _spec("bleu")
    stats = np.zeros((3, 10), dtype=np.int64)
    with pytest.raises(ValueError, match="n_samples"):
        bootstrap_ci(spec, stats, n_samples=0)
    with pytest.raises(ValueError, match="shape"):
        paired_bootstrap(spec, stats, stats[:2])
    with pytest.raises(ValueError, match="pairs"):
        _native.bootstrap_sums([stats, stats[:2].copy()], [], (1, 1, False, 0), 3)


def test_cli_intervals_and_paired_tests_per_group(tmp_path):
    """`--by g -ci --paired-bs --paired-ar`: each group's numbers are those of its pairs alone."""
    import json
    import subprocess
    import sys

    a, b, refs = _corpus(120, seed=3)
    groups = [f"g{i % 4}" for i in range(120)]
    path = tmp_path / "d.jsonl"
    path.write_text(
        "".join(
            json.dumps({"a": x, "b": y, "reference": r, "g": g}) + "\n"
            for x, y, r, g in zip(a, b, refs, groups)
        )
    )
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "lexmetrics.cli",
            "score",
            "-i",
            str(path),
            "--pred-col",
            "a",
            "--pred-col",
            "b",
            "--by",
            "g",
            "-m",
            "rouge1,bleu",
            "-ci",
            "--confidence-n",
            "80",
            "--paired-bs",
            "--paired-bs-n",
            "80",
            "--paired-ar",
            "--paired-ar-n",
            "300",
            "--chunk-size",
            "50",
        ],
        capture_output=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr.decode()
    rep = json.loads(p.stdout)
    specs = build_specs(["rouge1", "bleu"])
    for g in ("g0", "g3"):
        sel = [i for i in range(120) if groups[i] == g]
        ga, gb, gr = [a[i] for i in sel], [b[i] for i in sel], [refs[i] for i in sel]
        block = rep["systems"][1]["groups"][g]
        for spec in specs:
            sa, sb = spec.stats(ga, gr, 1), spec.stats(gb, gr, 1)
            for m, iv in bootstrap_ci(spec, sb, n_samples=80).items():
                assert block["metrics"][m]["ci"] == iv
            for m, r in paired_bootstrap(spec, sa, sb, n_samples=80).items():
                assert block["significance"][m]["paired_bs"] == r
            for m, r in approximate_randomization(spec, sa, sb, n_samples=300).items():
                assert block["significance"][m]["paired_ar"] == r
