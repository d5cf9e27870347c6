"""lexmetrics.compat.sacrebleu's module layout against sacrebleu 2.6 itself, in the same process:
every public name is there, the tokenizers, n-gram helpers, ``compute_bleu``, bootstrap intervals
and paired significance tests give equal (``==``) results, with sacrebleu's seeds."""

from __future__ import annotations

import importlib
import inspect
import random

import numpy as np
import pytest
import sacrebleu
from _sacre_corpus import make_corpus, to_streams
from lexmetrics import InputValueError
from lexmetrics.compat import sacrebleu as compat


def _short(n, seed, max_refs):
    # sacrebleu's own TER takes seconds on the corpus' 300-1200-token lines: keep short ones.
    hyps, refs = make_corpus(n, seed=seed, max_refs=max_refs)
    keep = [i for i in range(n) if max(len(x.split()) for x in [hyps[i], *refs[i]]) <= 60]
    return [hyps[i] for i in keep], [refs[i] for i in keep]


HYPS, REFS = _short(120, seed=31, max_refs=3)
STREAMS = to_streams(REFS)
LINES = [h for h in HYPS] + [r for rs in REFS for r in rs]

MODULES = [
    "metrics",
    "metrics.base",
    "metrics.bleu",
    "metrics.chrf",
    "metrics.ter",
    "metrics.helpers",
    "compat",
    "significance",
    "tokenizers",
    "tokenizers.tokenizer_base",
    "tokenizers.tokenizer_13a",
    "tokenizers.tokenizer_intl",
    "tokenizers.tokenizer_zh",
    "tokenizers.tokenizer_char",
    "tokenizers.tokenizer_none",
    "tokenizers.tokenizer_re",
    "tokenizers.tokenizer_ter",
    "tokenizers.tokenizer_ja_mecab",
    "tokenizers.tokenizer_ko_mecab",
    "tokenizers.tokenizer_spm",
    "utils",
    "dataset",
    "version",
]
# Names sacrebleu's modules import from elsewhere or keep private to the pure-Python tercom port.
_NOT_API = {
    "Counter",
    "List",
    "Tuple",
    "Dict",
    "Sequence",
    "Optional",
    "Any",
    "Union",
    "Mapping",
    "Namespace",
    "ABCMeta",
    "abstractmethod",
    "import_module",
    "lru_cache",
    "DefaultDict",
    "defaultdict",
    "tabulate",
    "colorama",
    "portalocker",
    "mp",
    "np",
    "sacrelogger",
    "json",
    "logging",
    "statistics",
    "math",
    "os",
    "re",
    "sys",
    "gzip",
    "hashlib",
    "itertools",
    "urllib",
    "ssl",
    "tarfile",
    "zipfile",
    "BEAM_WIDTH",
    "MAX_SHIFT_SIZE",
    "MAX_SHIFT_DIST",
    "MAX_SHIFT_CANDIDATES",
    "translation_edit_rate",
    "IS_WINDOWS",
    "FAIL_MESSAGE",
    "MeCab",
    "COMMIT_ID",
    "VERSION_TUPLE",
    "TYPE_CHECKING",
    "regex",
    "unicodedata",
    "sentencepiece",
    "Path",
    "download_file",
    "extract_tarball",
    "get_md5sum",
    "ssl_context",
    "USERHOME",
    "DatasetBase",
}


@pytest.mark.parametrize("name", MODULES)
def test_every_public_name_of_the_module_is_there(name):
    theirs = importlib.import_module(f"sacrebleu.{name}")
    ours = importlib.import_module(f"lexmetrics.compat.sacrebleu.{name}")
    public = {
        n
        for n in vars(theirs)
        if not n.startswith("_") and not inspect.ismodule(getattr(theirs, n))
    }
    if name == "dataset":
        public = {"DATASETS"}  # the registry's data classes are not shipped
    missing = sorted(n for n in public - _NOT_API if not hasattr(ours, n))
    assert missing == []


def test_top_level_names_and_version():
    assert compat.__version__ == sacrebleu.__version__ == "2.6.0"
    for n in sacrebleu.__all__:
        assert hasattr(compat, n), n
    assert compat.metrics.BLEU is compat.BLEU and compat.compat.corpus_ter is compat.corpus_ter
    from lexmetrics.compat.sacrebleu.metrics import METRICS

    assert sorted(METRICS) == sorted(sacrebleu.metrics.METRICS)


TOKENIZER_CLASSES = [
    ("tokenizer_13a", "Tokenizer13a"),
    ("tokenizer_intl", "TokenizerV14International"),
    ("tokenizer_zh", "TokenizerZh"),
    ("tokenizer_char", "TokenizerChar"),
    ("tokenizer_none", "NoneTokenizer"),
    ("tokenizer_re", "TokenizerRegexp"),
]


@pytest.mark.parametrize("module, cls", TOKENIZER_CLASSES)
def test_tokenizer_classes(module, cls):
    ours = getattr(
        importlib.import_module(f"lexmetrics.compat.sacrebleu.tokenizers.{module}"), cls
    )()
    theirs = getattr(importlib.import_module(f"sacrebleu.tokenizers.{module}"), cls)()
    assert ours.signature() == theirs.signature()
    for line in LINES:
        assert ours(line) == theirs(line), line


@pytest.mark.parametrize("normalized", [False, True])
@pytest.mark.parametrize("no_punct", [False, True])
@pytest.mark.parametrize("asian_support", [False, True])
@pytest.mark.parametrize("case_sensitive", [False, True])
def test_tercom_tokenizer(normalized, no_punct, asian_support, case_sensitive):
    from lexmetrics.compat.sacrebleu.tokenizers.tokenizer_ter import TercomTokenizer
    from sacrebleu.tokenizers.tokenizer_ter import TercomTokenizer as Theirs

    kw = dict(
        normalized=normalized,
        no_punct=no_punct,
        asian_support=asian_support,
        case_sensitive=case_sensitive,
    )
    ours, theirs = TercomTokenizer(**kw), Theirs(**kw)
    assert ours.signature() == theirs.signature()
    for line in LINES + ["", "   "]:
        assert ours(line) == theirs(line), line


def test_metric_tokenizer_objects_and_preprocessing():
    for tok in ("13a", "intl", "zh", "char", "none"):
        ours, theirs = (
            compat.BLEU(tokenize=tok, lowercase=True),
            sacrebleu.BLEU(tokenize=tok, lowercase=True),
        )
        assert type(ours.tokenizer).__name__ == type(theirs.tokenizer).__name__
        for line in LINES[:80]:
            assert ours._preprocess_segment(line) == theirs._preprocess_segment(line)
    ours, theirs = compat.TER(normalized=True), sacrebleu.TER(normalized=True)
    for line in LINES[:80]:
        assert ours._preprocess_segment(line) == theirs._preprocess_segment(line)


def test_external_tokenizers_and_test_sets_are_not_supported():
    for tok in ("ja-mecab", "ko-mecab", "spm", "flores101", "flores200", "spBLEU-1K"):
        with pytest.raises(InputValueError, match="not supported"):
            compat.BLEU(tokenize=tok)
    with pytest.raises(InputValueError, match="unknown tokenizer"):
        compat.BLEU(tokenize="nope")
    for fn in (
        compat.get_available_testsets,
        lambda: compat.get_source_file("wmt19", "de-en"),
        lambda: compat.download_test_set("wmt19"),
    ):
        with pytest.raises(InputValueError, match="not supported"):
            fn()
    assert compat.DATASETS == {}


def test_ngram_helpers():
    from lexmetrics.compat.sacrebleu.metrics import helpers as ours
    from sacrebleu.metrics import helpers as theirs

    for line in LINES[:100]:
        assert ours.extract_all_word_ngrams(line, 1, 4) == theirs.extract_all_word_ngrams(
            line, 1, 4
        )
        assert ours.extract_word_ngrams(line.split(), 2) == theirs.extract_word_ngrams(
            line.split(), 2
        )
        for ws in (False, True):
            assert ours.extract_char_ngrams(line, 3, ws) == theirs.extract_char_ngrams(line, 3, ws)
            assert ours.extract_all_char_ngrams(line, 6, ws) == theirs.extract_all_char_ngrams(
                line, 6, ws
            )


def test_compute_bleu():
    rng = random.Random(5)
    for _ in range(400):
        n = rng.choice([1, 2, 4, 6])
        total = [rng.randint(0, 30) for _ in range(n)]
        correct = [rng.randint(0, t) for t in total]
        sys_len, ref_len = rng.randint(0, 40), rng.randint(0, 40)
        method = rng.choice(["none", "floor", "add-k", "exp"])
        value = rng.choice([None, 0.5, 1, 2])
        eff = rng.random() < 0.5
        args = (sys_len, ref_len, method, value, eff, n)
        a = compat.BLEU.compute_bleu(list(correct), list(total), *args)
        b = sacrebleu.BLEU.compute_bleu(list(correct), list(total), *args)
        assert (a.score, a.counts, a.totals, a.precisions, a.bp, str(a)) == (
            b.score,
            b.counts,
            b.totals,
            b.precisions,
            b.bp,
            str(b),
        )


METRIC_CASES = [
    ("BLEU", {}),
    ("BLEU", {"tokenize": "intl", "lowercase": True, "smooth_method": "add-k"}),
    ("CHRF", {}),
    ("CHRF", {"word_order": 2, "eps_smoothing": True}),
    ("TER", {}),
    ("TER", {"normalized": True, "case_sensitive": True}),
]


def _same_score(a, b):
    assert type(a).__name__ == type(b).__name__
    assert a.score == b.score and a._mean == b._mean and a._ci == b._ci
    assert a.format() == b.format()
    sig = "nrefs:1|version:2.6.0"
    assert a.format(width=4, signature=sig, is_json=True) == b.format(
        width=4, signature=sig, is_json=True
    )


@pytest.mark.parametrize("seed", [None, "7"])
@pytest.mark.parametrize("name, kw", METRIC_CASES, ids=str)
def test_corpus_score_bootstrap(name, kw, seed, monkeypatch):
    if seed is not None:
        monkeypatch.setenv("SACREBLEU_SEED", seed)
    ours, theirs = getattr(compat, name)(**kw), getattr(sacrebleu, name)(**kw)
    a = ours.corpus_score(HYPS, STREAMS, n_bootstrap=200)
    b = theirs.corpus_score(HYPS, STREAMS, n_bootstrap=200)
    _same_score(a, b)
    assert str(ours.get_signature()) == str(theirs.get_signature())
    assert ours.get_signature().format(short=True) == theirs.get_signature().format(short=True)


@pytest.mark.parametrize("name, kw", METRIC_CASES, ids=str)
def test_cached_references_and_statistics(name, kw):
    ours, theirs = (
        getattr(compat, name)(references=STREAMS, **kw),
        getattr(sacrebleu, name)(references=STREAMS, **kw),
    )
    assert str(ours.get_signature()) == str(theirs.get_signature())
    assert ours._extract_corpus_statistics(HYPS, None) == theirs._extract_corpus_statistics(
        HYPS, None
    )
    _same_score(ours.corpus_score(HYPS, None), theirs.corpus_score(HYPS, None))
    for h, rs in list(zip(HYPS, REFS))[:30]:
        _same_score(ours.sentence_score(h, rs), theirs.sentence_score(h, rs))


def _systems(n_sys=4, n=80, seed=41):
    rng = random.Random(seed)
    hyps, refs = _short(n, seed=seed, max_refs=2)
    systems = [("Baseline: base", hyps)]
    for k in range(1, n_sys):
        systems.append(
            (f"sys{k}", [h if rng.random() < 0.5 else rs[-1] for h, rs in zip(hyps, refs)])
        )
    return systems, to_streams(refs)


@pytest.mark.parametrize(
    "test_type, n_ar_confidence, n_jobs",
    [("bs", -1, 1), ("ar", -1, 1), ("ar", 0, 1), ("bs", -1, 2)],
)
def test_paired_tests(test_type, n_ar_confidence, n_jobs):
    from lexmetrics.compat.sacrebleu.significance import PairedTest, Result
    from sacrebleu.significance import PairedTest as TheirTest

    systems, streams = _systems()
    kws = [("BLEU", {}), ("CHRF", {"word_order": 2}), ("TER", {})]
    ours = {n: getattr(compat, n)(**kw) for n, kw in kws}
    theirs = {n: getattr(sacrebleu, n)(**kw) for n, kw in kws}
    n = 300 if test_type == "bs" else 500
    # n_jobs=2: sacrebleu forks worker processes; the native code must survive the fork
    a_sigs, a = PairedTest(
        systems,
        ours,
        streams,
        test_type=test_type,
        n_samples=n,
        n_ar_confidence=n_ar_confidence,
        n_jobs=n_jobs,
    )()
    b_sigs, b = TheirTest(
        systems, theirs, streams, test_type=test_type, n_samples=n, n_ar_confidence=n_ar_confidence
    )()
    assert {k: str(v) for k, v in a_sigs.items()} == {k: str(v) for k, v in b_sigs.items()}
    assert list(a) == list(b) and a["System"] == b["System"]
    for metric in list(a)[1:]:
        for x, y in zip(a[metric], b[metric]):
            assert isinstance(x, Result)
            assert x.__dict__ == y.__dict__
            assert repr(x) == repr(y)


def test_estimate_ci_and_unknown_test_type():
    from lexmetrics.compat.sacrebleu.significance import PairedTest, estimate_ci
    from sacrebleu.significance import estimate_ci as theirs

    scores = np.random.default_rng(0).random(999) * 100
    assert estimate_ci(scores) == theirs(scores)
    with pytest.raises(InputValueError, match="Unknown test type"):
        PairedTest([("a", ["x"])], {"BLEU": compat.BLEU()}, [["x"]], test_type="xx")


def test_bad_input_raises_clear_errors():
    from lexmetrics import InputTypeError
    from lexmetrics.compat.sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
    from lexmetrics.compat.sacrebleu.tokenizers.tokenizer_ter import TercomTokenizer

    with pytest.raises(InputTypeError, match="hyps"):
        compat.BLEU().corpus_score("a b c", [["a b c"]])
    with pytest.raises(InputTypeError, match="Undefined line"):
        compat.CHRF().corpus_score(["a", None], [["a", "b"]])
    with pytest.raises(InputValueError, match="refs` is empty"):
        compat.TER().sentence_score("a", [])
    with pytest.raises(InputValueError, match="references\\[0\\] has 1 lines"):
        compat.TER().corpus_score(["a", "b"], [["a"]])
    with pytest.raises(RuntimeError, match="cache is empty"):
        compat.BLEU().corpus_score(["a"], None)
    with pytest.raises(InputValueError):
        compat.BLEU(smooth_method="bogus")
    with pytest.raises(InputTypeError, match="must be a str"):
        Tokenizer13a()(b"bytes")
    with pytest.raises(InputTypeError, match="must be a str"):
        TercomTokenizer()(3)
    with pytest.raises(InputTypeError):
        TercomTokenizer(normalized="yes")
    with pytest.raises(InputValueError, match="Unknown smooth_method"):
        compat.BLEU.compute_bleu([1], [1], 1, 1, smooth_method="bogus", max_ngram_order=1)


def _word_match_metric(base_module):
    """A user's own metric on sacrebleu's ``Metric`` base: share of hypothesis words in a reference."""
    Base, Score = base_module.Metric, base_module.Score

    class WordMatch(Base):
        def __init__(self, references=None):
            super().__init__()
            if references is not None:
                self._ref_cache = self._cache_references(references)

        def _preprocess_segment(self, sent):
            return sent.lower()

        def _extract_reference_info(self, refs):
            return {"words": {w for r in refs for w in r.split()}}

        def _compute_segment_statistics(self, hypothesis, ref_kwargs):
            words = hypothesis.split()
            return [sum(w in ref_kwargs["words"] for w in words), len(words)]

        def _compute_score_from_stats(self, stats):
            return Score("WM", 100 * stats[0] / stats[1] if stats[1] else 0.0)

        def _aggregate_and_compute(self, stats):
            return self._compute_score_from_stats([sum(c) for c in zip(*stats)])

    return WordMatch


def test_a_users_own_metric_on_the_base_class(monkeypatch):
    from lexmetrics.compat.sacrebleu.metrics import base as ours
    from sacrebleu.metrics import base as theirs

    monkeypatch.setenv("SACREBLEU_SEED", "3")
    a, b = _word_match_metric(ours)(), _word_match_metric(theirs)()
    sa, sb = (
        a.corpus_score(HYPS, STREAMS, n_bootstrap=50),
        b.corpus_score(HYPS, STREAMS, n_bootstrap=50),
    )
    assert (sa.score, sa._mean, sa._ci) == (sb.score, sb._mean, sb._ci)
    assert str(a.get_signature()) == str(b.get_signature())
    a, b = (
        _word_match_metric(ours)(references=STREAMS),
        _word_match_metric(theirs)(references=STREAMS),
    )
    assert a._extract_corpus_statistics(HYPS, None) == b._extract_corpus_statistics(HYPS, None)
    assert a.sentence_score(HYPS[0], REFS[0]).score == b.sentence_score(HYPS[0], REFS[0]).score
