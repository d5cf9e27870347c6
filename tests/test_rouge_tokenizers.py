"""ROUGE tokenizer profiles (docs/rouge-tokenizers.md): each profile against a plain Python
reference tokenizer, scored through rouge-score's own scorer with that reference as its
``tokenizer=`` object, per pair and float for float."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import warnings

import lexmetrics as lm
import numpy as np
import pytest
import regex
from lexmetrics import InputValueError, _native, _rouge
from lexmetrics.accumulators import Accumulators, RougeAccumulator
from nltk.stem import porter
from rouge_score import rouge_scorer

TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
_STEMMER = porter.PorterStemmer()
_ASCII_WORD = regex.compile(r"^[a-z0-9]+$")
_ALNUM = regex.compile(r"[\p{Alphabetic}\p{N}]")
_CJK = regex.compile(r"([\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u30fc])")


def _uax29(text: str) -> list[str]:
    """UAX #29 word segments, by the `regex` module's Unicode word boundaries."""
    cuts = sorted(
        {m.start() for m in regex.finditer(r"\b", text, flags=regex.WORD | regex.V1)}
        | {0, len(text)}
    )
    return [text[a:b] for a, b in zip(cuts, cuts[1:]) if a < b]


def ref_unicode(text: str) -> list[str]:
    return [s.lower() for s in _uax29(text) if _ALNUM.search(s)]


def ref_cjk(text: str) -> list[str]:
    out = []
    for seg in _uax29(text):
        if _ALNUM.search(seg):
            out += [p.lower() for p in _CJK.split(seg) if _ALNUM.search(p)]
    return out


def ref_whitespace(text: str) -> list[str]:
    return text.lower().split()


REFERENCE = {"unicode": ref_unicode, "cjk": ref_cjk, "whitespace": ref_whitespace}


def _stemmed(tokens: list[str]) -> list[str]:
    """rouge-score's stemming step, on ASCII letter/digit tokens only (the documented rule)."""
    out = []
    for t in tokens:
        if _ASCII_WORD.match(t):
            s = _STEMMER.stem(t) if len(t) > 3 else t
            if _ASCII_WORD.match(s):
                out.append(s)
        else:
            out.append(t)
    return out


class RefTokenizer:
    def __init__(self, profile: str, stem: bool) -> None:
        self.fn, self.stem = REFERENCE[profile], stem

    def tokenize(self, text: str) -> list[str]:
        toks = self.fn(text)
        return _stemmed(toks) if self.stem else toks


PIECES = {
    "zh": [chr(c) for c in range(0x4E00, 0x4E00 + 400, 7)] + ["，", "。", "、", "“", "”"],
    "ja": [chr(c) for c in range(0x3041, 0x3097, 3)]
    + [chr(c) for c in range(0x30A1, 0x30FB, 3)]
    + ["ー", "。"],
    "ko": ["한국어", "서울", "입니다", "사람", "학교에", "갑니다"],
    "ar": ["مرحبا", "بالعالم", "كيف", "حالك", "الكتاب", "كَتَبَ", "٣٤٥", "،", "؟"],
    "hi": ["नमस्ते", "दुनिया", "क्षत्रिय", "हिन्दी", "भारत", "१२३", "।"],
    "ru": ["Привет", "мир", "КОШКИ", "бегут", "Ёлка", "быстро", "«", "»", "—"],
    "emoji": ["👍", "👍🏽", "👨\u200d👩\u200d👧", "🇫🇷", "🙂", "⭐"],
    "mixed": [
        "The",
        "cats",
        "running",
        "don't",
        "3.50",
        "U.S.",
        "ΑΣ",
        "Σίσυφος",
        "naïve",
        "Straße",
        "İstanbul",
        "\u212a",
        "e-mail",
        "x_y",
        "CAFÉ",
        "1,000",
        "(hi)",
        "!",
        "&",
        "#tag",
    ],
}
SEPS = [" ", " ", " ", "", "\n", "\t", "\u3000", "\u00a0", "\r\n", ", "]


def corpus(lang: str, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = PIECES[lang] + (PIECES["mixed"] if lang != "mixed" else PIECES["zh"] + PIECES["ar"])
    out = ["", " ", "\n\n"]
    while len(out) < n:
        k = rng.randint(0, 20)
        out.append(
            "".join(
                rng.choice(words if rng.random() < 0.85 else PIECES[lang]) + rng.choice(SEPS)
                for _ in range(k)
            )
        )
    return out


LANGS = list(PIECES)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("profile", ["unicode", "cjk", "whitespace"])
def test_tokens_equal_the_python_reference(profile, lang):
    ref = REFERENCE[profile]
    for t in corpus(lang, 80, hash((profile, lang)) & 0xFFFF):
        assert _native.rouge_tokenize(t, False, profile) == ref(t), t


@pytest.mark.parametrize("lang", ["zh", "ja", "ar", "hi", "ru", "mixed"])
@pytest.mark.parametrize("profile", ["unicode", "cjk", "whitespace"])
@pytest.mark.parametrize("stem", [False, True])
def test_scores_equal_rouge_score_with_the_reference_tokenizer(profile, lang, stem):
    preds = corpus(lang, 60, 1)
    refs = corpus(lang, 60, 2)
    got = lm.rouge(preds, refs, rouge_types=TYPES, use_stemmer=stem, tokenizer=profile)
    sc = rouge_scorer.RougeScorer(list(TYPES), tokenizer=RefTokenizer(profile, stem))
    for i, (p, r) in enumerate(zip(preds, refs)):
        want = sc.score(r, p)
        for t in TYPES:
            s = got[t]
            assert (s.precision[i], s.recall[i], s.fmeasure[i]) == tuple(want[t]), (t, p, r)


@pytest.mark.filterwarnings("ignore::lexmetrics.exceptions.RougeTokenizerWarning")
def test_default_profile_is_rouge_score():
    preds, refs = corpus("mixed", 60, 3), corpus("mixed", 60, 4)
    for stem in (False, True):
        a = lm.rouge(preds, refs, rouge_types=TYPES, use_stemmer=stem, tokenizer="default")
        b = lm.rouge(preds, refs, rouge_types=TYPES, use_stemmer=stem)
        sc = rouge_scorer.RougeScorer(list(TYPES), use_stemmer=stem)
        for i, (p, r) in enumerate(zip(preds, refs)):
            want = sc.score(r, p)
            for t in TYPES:
                assert (a[t].precision[i], a[t].recall[i], a[t].fmeasure[i]) == tuple(want[t])
                assert b[t].fmeasure[i] == a[t].fmeasure[i]
        assert a.options["tokenizer"] is None


@pytest.mark.parametrize(
    "text", ["我喜欢吃苹果。今天天气很好", "東京タワーに行きました", "서울은 한국의 수도입니다"]
)
def test_identical_cjk_texts_score_one(text):
    r = lm.rouge([text], [text], rouge_types=TYPES, tokenizer="cjk")
    assert [r[t].fmeasure[0] for t in TYPES] == [1.0] * 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = lm.rouge([text], [text], rouge_types=TYPES)
    assert [d[t].fmeasure[0] for t in TYPES] == [0.0] * 4  # rouge-score's tokenizer drops it all


def test_warns_once_when_default_drops_most(monkeypatch):
    monkeypatch.setattr(_rouge, "_warned_drops", False)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        lm.rouge(["the cat", "Café naïve"], ["a cat", "résumé"])  # mostly ASCII: silent
        lm.rouge(["the cat"], ["a cat"], tokenizer="unicode")
        assert not w
        lm.rouge(["the cat", "the dog"], ["a cat", "Привет мир"])
        lm.rouge(["我喜欢吃苹果"], ["我喜欢吃苹果"])
    assert len(w) == 1 and issubclass(w[0].category, lm.exceptions.RougeTokenizerWarning)
    assert "references[1]" in str(w[0].message) and "tokenizer='unicode'" in str(w[0].message)
    monkeypatch.setattr(_rouge, "_warned_drops", False)
    with pytest.warns(lm.exceptions.RougeTokenizerWarning):
        lm.rouge(["我喜欢吃苹果"], ["x"], split_summaries=False, tokenizer=None)


@pytest.mark.parametrize(
    "call",
    [
        lambda: lm.rouge(["a"], ["a"], tokenizer="uax29"),
        lambda: RougeAccumulator(tokenizer="Unicode"),
        lambda: Accumulators(("rouge1",), rouge_tokenizer="chars"),
        lambda: lm.pairwise(["a"], metric="rougeL", tokenizer="spaces"),
        lambda: _native.rouge_texts(["a"], ["a"], ["rouge1"], False, None, "x"),
    ],
)
def test_bad_profile_names_the_option(call):
    with pytest.raises(InputValueError, match="tokenizer"):
        call()


def test_accumulator_and_signature():
    preds, refs = corpus("zh", 40, 5), corpus("zh", 40, 6)
    acc = RougeAccumulator(("rouge1", "rougeL"), tokenizer="cjk")
    acc.update(preds[:25], refs[:25])
    acc.update(preds[25:], refs[25:])
    want = lm.rouge(preds, refs, rouge_types=("rouge1", "rougeL"), tokenizer="cjk")
    got = acc.result()["rouge"]
    assert got["rouge1"]["fmeasure"] == want["rouge1"].mean().fmeasure > 0.0
    assert acc.compute()["rougeL"] == want["rougeL"].mean().fmeasure
    assert "tok:cjk-char+uax29-lower" in got["signature"]
    multi = Accumulators(("rouge1", "bleu"), rouge_tokenizer="unicode")
    multi.update(preds, refs)
    res = multi.result()["rouge"]
    assert (
        res["rouge1"]["fmeasure"]
        == lm.rouge(preds, refs, rouge_types=("rouge1",), tokenizer="unicode")["rouge1"]
        .mean()
        .fmeasure
    )
    assert "tok:unicode-uax29-lower" in res["signature"]
    assert "tok:rouge-score-default" in Accumulators(("rouge1",)).result()["rouge"]["signature"]


def test_arrow_option():
    pa = pytest.importorskip("pyarrow")
    preds, refs = corpus("ru", 30, 7), corpus("ru", 30, 8)
    batch = pa.record_batch({"prediction": preds, "reference": refs})
    from lexmetrics import arrow

    out = arrow.score_batch(batch, metrics=("rougeL",), rouge_tokenizer="whitespace")
    want = lm.rouge(preds, refs, rouge_types=("rougeL",), tokenizer="whitespace")["rougeL"].fmeasure
    assert np.array_equal(out.column("rougeL_fmeasure").to_numpy(), want)


def test_pairwise_rouge_profile():
    c, r = corpus("ja", 12, 9), corpus("ja", 9, 10)
    m = lm.pairwise(c, r, metric="rouge2", tokenizer="cjk", use_stemmer=True)
    sc = rouge_scorer.RougeScorer(["rouge2"], tokenizer=RefTokenizer("cjk", True))
    want = np.array([[sc.score(b, a)["rouge2"].fmeasure for b in r] for a in c])
    assert np.array_equal(m, want)


def test_cli_flag(tmp_path):
    text = ["我喜欢吃苹果。", "今天天气很好"]
    for name in ("hyp.txt", "ref.txt"):
        (tmp_path / name).write_text("".join(t + "\n" for t in text), encoding="utf-8")
    args = [
        sys.executable,
        "-m",
        "lexmetrics.cli",
        "score",
        "-i",
        str(tmp_path / "hyp.txt"),
        "-r",
        str(tmp_path / "ref.txt"),
        "-m",
        "rouge1,rougeL",
    ]
    out = subprocess.run(
        [*args, "--rouge-tokenizer", "cjk"], capture_output=True, timeout=300, check=True
    )
    res = json.loads(out.stdout)["metrics"]
    assert res["rouge1"]["fmeasure"] == 1.0 and res["rougeL"]["fmeasure"] == 1.0
    assert "tok:cjk-char+uax29-lower" in res["rouge1"]["signature"]
    out = subprocess.run(args, capture_output=True, timeout=300, check=True)
    assert json.loads(out.stdout)["metrics"]["rouge1"]["fmeasure"] == 0.0
    assert b"RougeTokenizerWarning" in out.stderr
    bad = subprocess.run([*args, "--rouge-tokenizer", "nope"], capture_output=True, timeout=300)
    assert bad.returncode != 0 and b"--rouge-tokenizer" in bad.stderr


def test_warning_on_a_big_batch_names_the_pair(monkeypatch):
    n = 5000
    preds = ["the cat sat"] * n
    refs = ["a cat"] * n
    for i in range(3000, n):
        refs[i] = "我喜欢吃苹果"
    monkeypatch.setattr(_rouge, "_warned_drops", False)
    with pytest.warns(lm.exceptions.RougeTokenizerWarning, match=r"references\[(\d+)\]") as w:
        lm.rouge(preds, refs)
    i = int(regex.search(r"references\[(\d+)\]", str(w[0].message)).group(1))
    assert i >= 3000 and "我" in refs[i]
