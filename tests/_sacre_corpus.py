"""Deterministic generated corpora for the sacrebleu parity tests (no randomness across runs)."""

from __future__ import annotations

import random

WORDS = (
    "the cat sat on mat dog bit man it was not unexpected surprising had just bitten him first "
    "a an of to in is that for with as by at from this be are or they we you"
).split()
ASCII_BITS = [
    "3.14",
    "1,000.5",
    "2019-2020",
    "-5",
    "$5.00",
    "50%",
    "U.S.A.",
    "e-mail",
    "don't",
    "(hi)",
    "&quot;q&quot;",
    "&amp;",
    "&lt;tag&gt;",
    "&apos;",
    "<skipped>",
    "hyphen-\nated",
    "line\nbreak",
    "a..b",
    "...",
    "!!!",
    "???",
    "end.",
    "2019.",
    "x,y",
    "1,2",
    "a/b",
    "{x}",
    "[y]",
    "~z",
    "^_^",
    "`q`",
    "|p|",
    "#h",
    "@u",
    "+1",
    "=",
    "<",
    ">",
    "*",
    ":",
    ";",
    "'s",
    '"',
    "-",
    "--",
    "4-",
    "-4",
]
UNICODE_BITS = [
    "Café",
    "naïve",
    "résumé",
    "déjà",
    "ΟΔΟΣ",
    "Σοφία",
    "ΑΣ",
    "İstanbul",
    "\u212aelvin",
    "STRASSE",
    "Straße",
    "ﬁle",
    "Ǆ",
    "ǅ",
    "中文",
    "我喜欢吃苹果。",
    "测试，",
    "「引用」",
    "東京タワー",
    "ｆｕｌｌ",
    "１２３",
    "한국어",
    "😀",
    "€10",
    "©",
    "→",
    "≤",
    "∑",
    "…",
    "–",
    "—",
    "“quotes”",
    "‘x’",
    "¿qué?",
    "¡sí!",
    "٣٤",
    "½",
    "²",
    "Ⅻ",
    "\u00a0",
    "\u2009",
    "\u3000",
    "\u001c",
    "\u001f",
    "\u0085",
    "\u200b",
    "x\u0301",
    "\U00020000",
    "\u2e80",
    "\u3042",
    "\u9fbc",
    "\u4dc0",
]
SEPARATORS = [" ", " ", " ", " ", "  ", "\t", "\n", "\u00a0", "\u001d", "\u3000"]


def _token(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.6:
        w = rng.choice(WORDS)
        return w.capitalize() if rng.random() < 0.15 else w
    if r < 0.82:
        return rng.choice(ASCII_BITS)
    return rng.choice(UNICODE_BITS)


def _sentence(rng: random.Random, n: int) -> str:
    parts = []
    for i in range(n):
        if i:
            parts.append(rng.choice(SEPARATORS))
        parts.append(_token(rng))
    s = "".join(parts)
    if rng.random() < 0.3:
        s += rng.choice([".", " .", "!", "?", " ", "\n", "\t "])
    return s


def _mutate(rng: random.Random, s: str) -> str:
    toks = s.split(" ")
    out = []
    for t in toks:
        r = rng.random()
        if r < 0.15:
            continue
        if r < 0.3:
            out.append(_token(rng))
        elif r < 0.35:
            out.extend([t, t])
        else:
            out.append(t.lower() if rng.random() < 0.1 else t)
    return " ".join(out)


def make_corpus(n: int, seed: int, max_refs: int = 3, long_every: int = 97):
    """``n`` (hypothesis, [references]) pairs: 1 to ``max_refs`` references, empties, long lines."""
    rng = random.Random(seed)
    hyps: list[str] = []
    refs: list[list[str]] = []
    for i in range(n):
        length = rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 30])
        if i % long_every == 5:
            length = rng.choice([300, 1200])
        base = _sentence(rng, length)
        k = 1 if max_refs == 1 else rng.randint(1, max_refs)
        rs = [base] + [_mutate(rng, base) for _ in range(k - 1)]
        r = rng.random()
        if r < 0.04:
            hyp = ""
        elif r < 0.07:
            hyp = rng.choice(["!!! ... ???", "...", ".", "&amp;", "- - -"])
        elif r < 0.1:
            rs[0] = ""
            hyp = _mutate(rng, base)
        elif r < 0.13:
            hyp = base
        else:
            hyp = _mutate(rng, base)
        hyps.append(hyp)
        refs.append(rs)
    return hyps, refs


def to_streams(refs: list[list[str]]) -> list[list]:
    """Per-prediction reference lists -> sacrebleu streams (``None`` pads missing references)."""
    k = max(len(r) for r in refs)
    return [[r[j] if j < len(r) else None for r in refs] for j in range(k)]
