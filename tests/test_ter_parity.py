"""TER parity with sacrebleu 2.6, same process: every statistic and score is ``==``.

sacrebleu's TER is slow (a tenth of a second to seconds per pair), so the corpora are sized to
keep this file to about a minute: the tokenizer is compared under every option combination on a
large generated corpus, the whole metric under every combination on a short-sentence corpus, and
the shift search (where tercom is heuristic: beam, shift limits, candidate cap) on shuffled
sentences with the defaults. sacrebleu's results are computed once per corpus and options.
"""

from __future__ import annotations

import functools
import itertools
import random

import lexmetrics as lm
import numpy as np
import pytest
import sacrebleu
from _sacre_corpus import make_corpus, to_streams
from lexmetrics import InputTypeError, InputValueError, _native
from lexmetrics.compat import sacrebleu as compat
from sacrebleu.metrics import TER, lib_ter
from sacrebleu.tokenizers.tokenizer_ter import TercomTokenizer

OPTION_NAMES = ("normalized", "no_punct", "asian_support", "case_sensitive")
COMBOS = [dict(zip(OPTION_NAMES, bits)) for bits in itertools.product((False, True), repeat=4)]


def _ids(o: dict) -> str:
    return ",".join(k for k, v in o.items() if v) or "defaults"


# ---------------------------------------------------------------------------------------------
# corpora
# ---------------------------------------------------------------------------------------------

BIG_HYPS, BIG_REFS = make_corpus(1500, seed=41, max_refs=3, long_every=97)


def _short_corpus(n: int, seed: int):
    """1-3 references, punctuation/unicode heavy, at most 16 tokens (sacrebleu stays fast)."""
    hyps, refs = make_corpus(4 * n, seed=seed, max_refs=3, long_every=10**9)
    keep = [i for i in range(len(hyps)) if all(len(x.split()) <= 16 for x in [hyps[i], *refs[i]])]
    keep = keep[:n]
    return [hyps[i] for i in keep], [refs[i] for i in keep]


SHORT_HYPS, SHORT_REFS = _short_corpus(250, seed=42)

VOCAB = "the a of to and in is it that was he for on are as with his they at be".split() + [
    "Haus",
    "ÄÖÜ",
    "naïve",
    "中文",
    ",",
    ".",
    '"',
    "(",
    ")",
    "x-y",
    "3.5",
    "it's",
]


def _shuffled(rng: random.Random, n_words: int, vocab_size: int) -> tuple[str, str]:
    """A reference and a hypothesis made from it by block moves, swaps and substitutions."""
    vocab = VOCAB[:vocab_size]
    ref = [rng.choice(vocab) for _ in range(n_words)]
    hyp = ref[:]
    for _ in range(rng.randint(0, 4)):
        i, j = sorted(rng.sample(range(len(hyp) + 1), 2))
        block = hyp[i:j]
        del hyp[i:j]
        k = rng.randint(0, len(hyp))
        hyp[k:k] = block
    for _ in range(rng.randint(0, 3)):
        a, b = rng.randrange(len(hyp)), rng.randrange(len(hyp))
        hyp[a], hyp[b] = hyp[b], hyp[a]
    for _ in range(rng.randint(0, 4)):
        r = rng.random()
        if r < 0.4:
            hyp[rng.randrange(len(hyp))] = rng.choice(vocab)
        elif r < 0.7 and len(hyp) > 1:
            del hyp[rng.randrange(len(hyp))]
        else:
            hyp.insert(rng.randint(0, len(hyp)), rng.choice(vocab))
    if rng.random() < 0.3:
        rng.shuffle(hyp)
    return " ".join(hyp), " ".join(ref)


def _shift_corpus():
    rng = random.Random(43)
    hyps, refs = [], []
    for i in range(160):
        h, r = _shuffled(rng, rng.randint(10, 40), rng.choice([6, 12, len(VOCAB)]))
        extra = [_shuffled(rng, len(r.split()), len(VOCAB))[0] for _ in range(i % 3 == 0)]
        hyps.append(h)
        refs.append([r, *extra])
    # long segments: the beam (50 columns) no longer spans a row; the candidate cap is reached
    for n in (60, 90, 130):
        h, r = _shuffled(rng, n, 8)
        hyps.append(h)
        refs.append([r])
    # very unequal lengths: the beam widens with the length ratio
    words = [rng.choice(VOCAB) for _ in range(150)]
    hyps += [" ".join(words[:2]), " ".join(words[:140]), "", " ".join(words[:3])]
    refs += [[" ".join(words[:130])], [" ".join(words[5:9])], [" ".join(words[:40])], [""]]
    return hyps, refs


SHIFT_HYPS, SHIFT_REFS = _shift_corpus()

CORPORA = {
    "short": (SHORT_HYPS, SHORT_REFS),
    "shift": (SHIFT_HYPS, SHIFT_REFS),
}


@functools.cache
def _theirs(corpus: str, opts: tuple) -> tuple[list, dict]:
    """sacrebleu's per-segment statistics, corpus score and signature (computed once)."""
    hyps, refs = CORPORA[corpus]
    m = TER(**dict(opts))
    stats = m._extract_corpus_statistics(hyps, to_streams(refs))
    score = m._aggregate_and_compute(stats)
    return stats, {"score": score, "m": m}


def _key(opts: dict) -> tuple:
    return tuple(sorted(opts.items()))


# ---------------------------------------------------------------------------------------------
# tokenizer
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("opts", COMBOS, ids=_ids)
def test_tokenizer_every_option(opts):
    lines = BIG_HYPS + [r for rs in BIG_REFS for r in rs]
    tok = TercomTokenizer(**opts)
    want = [tok(x.rstrip()) for x in lines]
    got = _native.ter_tokenize(lines, **opts)
    bad = [i for i in range(len(lines)) if got[i] != want[i]]
    assert not bad, f"{len(bad)} lines differ, first {[lines[i] for i in bad[:3]]!r}"


@pytest.mark.parametrize(
    "opts, line, expected",
    [
        # sacrebleu test/test_tokenizer_ter.py
        ({}, "a b c d", "a b c d"),
        ({}, "", ""),
        ({}, "a b c d.", "a b c d."),
        ({}, "A B C D.", "a b c d."),
        ({"no_punct": True}, "a b c d.", "a b c d"),
        ({"no_punct": True}, "A ; B ) C : D.", "a b c d"),
        ({"normalized": True}, "a b (c) d.", "a b ( c ) d ."),
        ({"normalized": True}, "Jim's car.", "jim 's car ."),
        ({"normalized": True}, "4.2", "4.2"),
        ({"normalized": True, "asian_support": True}, "美众院公布对特", "美 众 院 公 布 对 特"),
        ({"normalized": True, "asian_support": True}, "りの拳銃を持", "りの 拳 銃 を 持"),
    ],
)
def test_tokenizer_published_vectors(opts, line, expected):
    assert _native.ter_tokenize([line], **opts) == [expected]
    assert TercomTokenizer(**opts)(line) == expected


# ---------------------------------------------------------------------------------------------
# the metric
# ---------------------------------------------------------------------------------------------


def _check_corpus(corpus: str, opts: dict) -> None:
    hyps, refs = CORPORA[corpus]
    theirs, extra = _theirs(corpus, _key(opts))
    ours = lm.ter_stats(hyps, refs, **opts)
    assert ours.dtype == np.float64 and ours.shape == (len(hyps), 2)
    bad = [i for i, row in enumerate(theirs) if (ours[i, 0], ours[i, 1]) != (row[0], row[1])]
    assert not bad, (
        f"{len(bad)} of {len(hyps)} pairs differ, first {[(hyps[i], refs[i]) for i in bad[:2]]!r}"
    )

    ref = extra["score"]
    for got in (lm.corpus_ter(hyps, refs, **opts), lm.ter_from_stats(ours, **opts, nrefs="var")):
        assert got.score == ref.score
        assert got.num_edits == ref.num_edits and type(got.num_edits) is type(ref.num_edits)
        assert got.ref_length == ref.ref_length
        assert str(got) == str(ref) == repr(ref)
    sig = str(extra["m"].get_signature())
    assert lm.corpus_ter(hyps, refs, **opts).signature == sig.replace(
        "version:2.6.0", f"version:lexmetrics-{lm.__version__}"
    )

    want = [extra["m"]._compute_score_from_stats(r).score for r in theirs]
    sent = lm.sentence_ter(hyps, refs, **opts)
    bad = [i for i in range(len(want)) if sent[i] != want[i]]
    assert not bad, f"{len(bad)} sentences differ, first {bad[:5]}"


@pytest.mark.parametrize("opts", COMBOS, ids=_ids)
def test_every_option_short_sentences(opts):
    _check_corpus("short", opts)


def test_shift_search_on_shuffled_sentences(monkeypatch):
    """Shift-heavy pairs with the defaults; also proves the candidate cap was reached."""
    checked = []
    shift = lib_ter._shift

    def counting_shift(*args):
        out = shift(*args)
        checked.append(out[2])
        return out

    monkeypatch.setattr(lib_ter, "_shift", counting_shift)
    _theirs.cache_clear()
    _check_corpus("shift", {})
    assert max(checked) >= lib_ter._MAX_SHIFT_CANDIDATES
    assert sum(1 for c in checked if c > 0) > 100


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_workers_do_not_change_results(workers):
    hyps, refs = CORPORA["shift"]
    base = lm.ter_stats(hyps, refs, workers=1)
    assert np.array_equal(lm.ter_stats(hyps, refs, workers=workers), base)


@pytest.mark.parametrize(
    "hyps, refs, expected",
    [
        # sacrebleu test/test_ter.py (corpus_score, EPSILON 1e-3), plus the empty cases of its note
        (["aaaa bbbb cccc dddd"], ["aaaa bbbb cccc dddd"], 0),
        (["dddd eeee ffff"], ["aaaa bbbb cccc"], 100),
        ([""], ["a"], 100),
        (["a"], [""], 100),
        ([""], [""], 0),
        (["d e f g h a b c"], ["a b c d e f g h"], 12.5),
        (
            [
                'wählen Sie " Bild neu berechnen , " um beim Ändern der Bildgröße Pixel hinzuzufügen oder zu entfernen , damit das Bild ungefähr dieselbe Größe aufweist wie die andere Größe .',
                'wenn Sie alle Aufgaben im aktuellen Dokument aktualisieren möchten , wählen Sie im Menü des Aufgabenbedienfelds die Option " Alle Aufgaben aktualisieren . "',
                'klicken Sie auf der Registerkarte " Optionen " auf die Schaltfläche " Benutzerdefiniert " und geben Sie Werte für " Fehlerkorrektur-Level " und " Y / X-Verhältnis " ein .',
                "Sie können beispielsweise ein Dokument erstellen , das ein Auto über die Bühne enthält .",
                'wählen Sie im Dialogfeld " Neu aus Vorlage " eine Vorlage aus und klicken Sie auf " Neu . "',
            ],
            [
                'wählen Sie " Bild neu berechnen , " um beim Ändern der Bildgröße Pixel hinzuzufügen oder zu entfernen , damit die Darstellung des Bildes in einer anderen Größe beibehalten wird .',
                'wenn Sie alle Aufgaben im aktuellen Dokument aktualisieren möchten , wählen Sie im Menü des Aufgabenbedienfelds die Option " Alle Aufgaben aktualisieren . "',
                'klicken Sie auf der Registerkarte " Optionen " auf die Schaltfläche " Benutzerdefiniert " und geben Sie für " Fehlerkorrektur-Level " und " Y / X-Verhältnis " niedrigere Werte ein .',
                "Sie können beispielsweise ein Dokument erstellen , das ein Auto enthalt , das sich über die Bühne bewegt .",
                'wählen Sie im Dialogfeld " Neu aus Vorlage " eine Vorlage aus und klicken Sie auf " Neu . "',
            ],
            13.6,
        ),
    ],
)
def test_published_vectors(hyps, refs, expected):
    ref = TER().corpus_score(hyps, [refs])
    got = lm.corpus_ter(hyps, refs)
    assert abs(got.score - expected) < 1e-3
    assert got.score == ref.score and str(got) == str(ref)
    assert compat.corpus_ter(hyps, [refs]).score == ref.score


def test_readme_example():
    """sacrebleu README: TER 40.0 on the 'dog bit the man' corpus with two reference streams."""
    hyps = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."]
    streams = [
        ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
        ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
    ]
    ref = sacrebleu.corpus_ter(hyps, streams)
    got = lm.corpus_ter(hyps, [list(t) for t in zip(*streams)])
    assert got.score == ref.score == 40.0 and str(got) == str(ref)
    assert got.signature.startswith(
        "nrefs:2|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:"
    )


def test_stats_merge_exactly():
    """Per-pair statistics of two halves, concatenated, give the whole corpus score (3 references:
    the average lengths are not dyadic, so the summation order matters)."""
    hyps, refs = CORPORA["short"]
    whole = lm.corpus_ter(hyps, refs)
    k = len(hyps) // 3
    parts = [lm.ter_stats(hyps[:k], refs[:k]), lm.ter_stats(hyps[k:], refs[k:], workers=1)]
    merged = lm.ter_from_stats(np.concatenate(parts), nrefs="var")
    assert (merged.score, merged.num_edits, merged.ref_length) == (
        whole.score,
        whole.num_edits,
        whole.ref_length,
    )
    assert merged.signature == whole.signature
    summed = lm.ter_from_stats([whole.num_edits, whole.ref_length], nrefs="var")
    assert summed.score == whole.score


def test_long_segments_no_panic_and_equal_to_one_thread():
    hyps, refs = BIG_HYPS[:300], BIG_REFS[:300]
    a = lm.ter_stats(hyps, refs, workers=1)
    b = lm.ter_stats(hyps, refs, workers=2)
    assert np.array_equal(a, b)
    assert (a[:, 0] >= 0).all() and np.isfinite(a).all()


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------


def test_bad_input():
    with pytest.raises(InputValueError, match="differ in length"):
        lm.corpus_ter(["a", "b"], ["a"])
    with pytest.raises(InputTypeError, match=r"hypotheses\[1\]"):
        lm.ter_stats(["a", 3], ["a", "b"])
    with pytest.raises(InputTypeError, match=r"references\[0\]\[1\]"):
        lm.ter_stats(["a"], [["a", None]])
    with pytest.raises(InputValueError, match=r"references\[0\] has no references"):
        lm.sentence_ter(["a"], [[]])
    with pytest.raises(InputTypeError, match="single str"):
        lm.corpus_ter("a b", ["a b"])
    with pytest.raises(InputTypeError, match="normalized must be a bool"):
        lm.corpus_ter(["a"], ["a"], normalized="yes")
    with pytest.raises(InputValueError, match="workers"):
        lm.corpus_ter(["a"], ["a"], workers=0)
    with pytest.raises(InputValueError, match="2 columns"):
        lm.ter_from_stats(np.zeros((3, 3)))
    with pytest.raises(InputValueError, match="non-negative"):
        lm.ter_from_stats([[1.0, -2.0]])
    with pytest.raises(InputTypeError, match="numbers"):
        lm.ter_from_stats([["a", "b"]])


def test_empty_corpus():
    r = lm.corpus_ter([], [])
    assert (r.score, r.num_edits, r.ref_length) == (0.0, 0, 0.0)
    assert lm.ter_stats([], []).shape == (0, 2)


# ---------------------------------------------------------------------------------------------
# lexmetrics.compat.sacrebleu.TER
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("opts", [{}, COMBOS[-1], {"normalized": True, "no_punct": True}], ids=_ids)
def test_compat_classes_and_signatures(opts):
    hyps, refs = CORPORA["short"]
    streams = to_streams(refs)  # variable reference count: None padding, nrefs:var
    ours, theirs = compat.TER(**opts), TER(**opts)
    a, b = ours.corpus_score(hyps, streams), theirs.corpus_score(hyps, streams)
    assert (a.score, a.num_edits, a.ref_length, str(a)) == (
        b.score,
        b.num_edits,
        b.ref_length,
        str(b),
    )
    assert str(ours.get_signature()) == str(theirs.get_signature())
    assert ours.get_signature().format(short=True) == theirs.get_signature().format(short=True)
    sig_o, sig_t = str(ours.get_signature()), str(theirs.get_signature())
    assert a.format(signature=sig_o, is_json=True) == b.format(signature=sig_t, is_json=True)
    assert ours._extract_corpus_statistics(hyps, streams) == theirs._extract_corpus_statistics(
        hyps, streams
    )
    one = [refs[i][0] for i in range(len(hyps))]
    a, b = ours.corpus_score(hyps, [one]), theirs.corpus_score(hyps, [one])
    assert a.score == b.score and str(ours.get_signature()) == str(theirs.get_signature())
    for h, r in zip(hyps[:40], refs[:40]):
        a, b = ours.sentence_score(h, r), theirs.sentence_score(h, r)
        assert (a.score, a.num_edits, a.ref_length) == (b.score, b.num_edits, b.ref_length)
        assert compat.sentence_ter(h, r, **opts).score == sacrebleu.sentence_ter(h, r, **opts).score
    assert (
        compat.corpus_ter(hyps, streams, **opts).score
        == sacrebleu.corpus_ter(hyps, streams, **opts).score
    )
    with pytest.raises(ValueError):
        compat.TER().get_signature()


def test_compat_reference_cache():
    hyps, refs = CORPORA["short"]
    one = [r[0] for r in refs]
    assert (
        compat.TER(references=[one]).corpus_score(hyps, None).score
        == TER(references=[one]).corpus_score(hyps, None).score
    )
