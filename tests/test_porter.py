"""Parity of the Rust Porter stemmer with nltk's PorterStemmer (NLTK_EXTENSIONS), in this process."""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lexmetrics import InputTypeError
from lexmetrics._native import porter_stem
from nltk.stem.porter import PorterStemmer

DICT = "/usr/share/dict/american-english"  # Debian package wamerican (installed in CI)

NLTK = PorterStemmer()


def nltk_stems(words: list[str]) -> list[str]:
    return [NLTK.stem(w) for w in words]


def mismatches(words: list[str]) -> list[tuple[str, str, str]]:
    got = porter_stem(words)
    assert len(got) == len(words)
    return [(w, r, g) for w, r, g in zip(words, nltk_stems(words), got) if r != g]


@pytest.fixture(scope="module")
def dict_words() -> list[str]:
    assert os.path.exists(DICT), f"{DICT} missing: install the Debian package wamerican"
    with open(DICT, encoding="utf-8") as f:
        words = sorted({line.strip().lower() for line in f if line.strip()})
    assert len(words) > 90_000
    return words


def test_nltk_doctest_vector() -> None:
    words = (
        "caresses flies dies mules denied died agreed owned humbled sized meeting stating siezing "
        "itemization sensational traditional reference colonizer plotted"
    ).split()
    want = (
        "caress fli die mule deni die agre own humbl size meet state siez item sensat tradit refer "
        "colon plot"
    ).split()
    assert nltk_stems(words) == want
    assert porter_stem(words) == want


def test_upstream_unit_vectors() -> None:
    # nltk test_stem.py: stem("oed") == "o", stem("On") == "on"; plus the irregular-forms pool.
    words = [
        "oed",
        "On",
        "skies",
        "sky",
        "dying",
        "lying",
        "tying",
        "news",
        "innings",
        "inning",
        "outings",
        "outing",
        "cannings",
        "canning",
        "howe",
        "proceed",
        "exceed",
        "succeed",
        "1990s",
        "mp3s",
        "covid19",
        "yyyy",
        "a*ded",
        "a*dding",
        "",
        "a",
        "ab",
        "abc",
    ]
    assert mismatches(words) == []


def test_whole_dictionary(dict_words: list[str]) -> None:
    bad = mismatches(dict_words)
    print(f"\nporter parity: {len(dict_words)} dictionary words, {len(bad)} mismatches")
    assert bad == [], bad[:20]


def test_dictionary_with_digits(dict_words: list[str]) -> None:
    rng = random.Random(1990)
    sample = rng.sample(dict_words, 30_000)
    words = []
    for w in sample:
        k = rng.randrange(len(w) + 1)
        d = str(rng.randrange(100))
        words += [w + d, d + w, w[:k] + d + w[k:], w + d + "s"]
    bad = mismatches(words)
    print(f"\nporter parity: {len(words)} words with digits, {len(bad)} mismatches")
    assert bad == [], bad[:20]


def test_original_case(dict_words: list[str]) -> None:
    # nltk lowercases with str.lower(); feed upper/title case variants of a sample.
    rng = random.Random(7)
    sample = rng.sample(dict_words, 5_000)
    words = [w.upper() for w in sample] + [w.title() for w in sample]
    assert mismatches(words) == []


@given(st.lists(st.text(alphabet="abcdeilmnorstuyz0129*'", max_size=14), max_size=30))
def test_hypothesis_suffix_heavy(words: list[str]) -> None:
    assert mismatches(words) == []


@given(st.lists(st.text(alphabet=st.characters(max_codepoint=127), max_size=20), max_size=30))
def test_hypothesis_ascii(words: list[str]) -> None:
    assert mismatches(words) == []


# Code points whose lowercase mapping Python 3.11 (Unicode 14.0) and Rust (newer tables) agree on:
# Latin-1, Latin Extended-A/B, Greek (final sigma), Cyrillic and the KELVIN/ANGSTROM signs.
UNICODE_ALPHABET = st.sampled_from(
    list("aeiouyAEIOUYsSdDlLzZ")
    + [chr(c) for c in range(0xC0, 0x250)]
    + [chr(c) for c in range(0x370, 0x530) if chr(c).isprintable()]
    + ["\u212a", "\u212b", "\u0130", "\u0307", "'", "1"]
)


@given(st.lists(st.text(alphabet=UNICODE_ALPHABET, max_size=12), max_size=30))
def test_hypothesis_unicode(words: list[str]) -> None:
    assert mismatches(words) == []


def test_bad_input() -> None:
    with pytest.raises(InputTypeError, match=r"words\[1\]"):
        porter_stem(["ok", 3])
    with pytest.raises(TypeError):
        porter_stem("single string")
    assert porter_stem([]) == []
    assert porter_stem(("tuples", "work")) == ["tupl", "work"]
