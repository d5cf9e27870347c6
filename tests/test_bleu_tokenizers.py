"""Tokenizer, lowercase and whitespace parity with sacrebleu / CPython over every code point."""

from __future__ import annotations

import pytest
from lexmetrics import _native
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
from sacrebleu.tokenizers.tokenizer_char import TokenizerChar
from sacrebleu.tokenizers.tokenizer_intl import TokenizerV14International
from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh

ALL = [cp for cp in range(0x110000) if not 0xD800 <= cp < 0xE000]
# Every code point in a window of letters, digits, punctuation and spaces (13a/intl/zh rules look at
# one neighbour on each side, so each context below exercises every rule that could fire).
CONTEXTS = ["a{c}b", "1{c}2", "{c}.", ",{c}", "-{c}-", "{c}1", ".{c}.", "{c}{c}"]
CHUNK = 40


def _lines(cps):
    for i in range(0, len(cps), CHUNK):
        chunk = cps[i : i + CHUNK]
        yield " ".join(ctx.format(c=chr(cp)) for cp in chunk for ctx in CONTEXTS)


SACRE = {
    "13a": Tokenizer13a(),
    "intl": TokenizerV14International(),
    "zh": TokenizerZh(),
    "char": TokenizerChar(),
}


@pytest.mark.parametrize("name", ["13a", "intl", "zh", "char"])
def test_tokenizer_every_code_point(name):
    tok = SACRE[name]
    # BMP and the zh quirk's neighbourhood in full; astral planes sampled (every 7th, then every 97th).
    cps = [cp for cp in ALL if cp < 0x10000 or (cp < 0x30000 and cp % 7 == 0) or cp % 97 == 0]
    lines = list(_lines(cps))
    # bypass sacrebleu's lru_cache (pure memoisation) so the sweep does not evict other tests' entries
    want = [" ".join(type(tok).__call__.__wrapped__(tok, line.rstrip()).split()) for line in lines]
    got = _native.sacre_tokenize(lines, name)
    bad = [i for i in range(len(lines)) if got[i] != want[i]]
    assert not bad, f"{len(bad)} lines differ; first: {lines[bad[0]]!r}"


def test_13a_specials():
    lines = [
        "&quot;q&quot; &amp; &lt;tag&gt; &apos; &amp;quot;",
        "<skipped> text<skipped>",
        "hyphen-\nated line\nbreak -\n",
        "end of year 2019.",
        "U.S.A. $5.00 50% 1,000.5 3.14 -5 2019-2020 e-mail",
        "a..b ...",
        "  lead  trail \u001f",
    ]
    tok = Tokenizer13a()
    want = [type(tok).__call__.__wrapped__(tok, s.rstrip()) for s in lines]
    assert _native.sacre_tokenize(lines, "13a") == want


def test_lowercase_every_code_point():
    lines = ["".join(chr(cp) for cp in ALL[i : i + 512]) for i in range(0, len(ALL), 512)]
    assert _native.py_lower(lines) == [s.lower() for s in lines]


def test_final_sigma_contexts():
    """CPython's final-sigma rule: each code point before/after a capital sigma, next to letters."""
    units = [
        "A\u03a3{c}",
        "{c}\u03a3",
        "A{c}\u03a3",
        "A\u03a3{c}B",
        "{c}\u03a3{c}",
        "A{c}\u03a3{c}",
    ]
    lines = [
        " ".join(u.format(c=chr(cp)) for cp in ALL[i : i + 256] for u in units)
        for i in range(0, len(ALL), 256)
    ]
    assert _native.py_lower(lines) == [s.lower() for s in lines]
    assert _native.py_lower(["\u039f\u0394\u039f\u03a3", "\u0130", "\u03a3", "A\u03a3\u0301"]) == [
        "\u03bf\u03b4\u03bf\u03c2",
        "i\u0307",
        "\u03c3",
        "a\u03c2\u0301",
    ]


def test_whitespace_every_code_point():
    lines = ["".join(f"a{chr(cp)}b" for cp in ALL[i : i + 512]) for i in range(0, len(ALL), 512)]
    assert _native.py_split(lines) == [s.split() for s in lines]
