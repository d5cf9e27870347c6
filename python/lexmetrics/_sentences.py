"""A built-in sentence splitter for rougeLsum (no nltk, no punkt data download).

rougeLsum splits summaries on newlines, so text must have one sentence per line; the HF examples use
``"\\n".join(nltk.sent_tokenize(x))``, which needs the punkt data. This splitter follows punkt's main
decisions on ordinary prose: a run of ``.``, ``!`` or ``?`` (plus closing quotes or brackets) followed
by whitespace ends a sentence, except after a known abbreviation (``Mr.``, ``e.g.``, ``Jan.``), a single
initial (``J. K. Rowling``) or a dotted acronym (``U.S.``); an ellipsis ends a sentence only before an
upper-case letter. Existing line breaks stay breaks. CJK full stops end a sentence without a space.
It is deterministic and offline; it is not a trained model, so unusual text may split differently from
punkt.
"""

from __future__ import annotations

import re

__all__ = ["split_sentences", "sentences_to_lines"]

_ABBREVIATIONS = frozenset(
    """
    mr mrs ms mx dr prof sr jr st mt ft messrs mme mlle rev hon gen col lt capt cmdr sgt maj adm gov sen
    rep pres supt insp det cpl pvt fr
    vs etc al eg ie cf viz approx ca est dept univ assn bros inc ltd co corp llc plc no nos vol vols fig
    figs eq eqs ch sec pp ed eds trans repr op cit ibid misc dist
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    ave blvd rd hwy apt bldg
    """.split()
)

# A candidate end: terminal punctuation, closing quotes/brackets, then whitespace (or the text end).
_END = re.compile(r"([.!?\u2026]+)([\"'\u2019\u201d\u00bb)\]}]*)(?=\s|$)")
_CJK_END = re.compile(r"[\u3002\uff01\uff1f]+[\"'\u2019\u201d\u300d\u300f\uff09)]*")
_INITIAL = re.compile(r"[^\W\d_]")
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # "U.S" before the final period of "U.S."
_OPENERS = "\"'([{\u2018\u201c\u00ab"
_NEXT = re.compile(r"\s*[\"'\u2018\u201c(\[]*(.?)", re.S)


def _word_before(text: str, end: int) -> str:
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end].lstrip(_OPENERS)


def _next_char(text: str, pos: int) -> str:
    m = _NEXT.match(text, pos)
    return m.group(1) if m else ""


def _is_break(text: str, m: re.Match[str]) -> bool:
    punct = m.group(1)
    if any(c in "!?" for c in punct):
        return True
    nxt = _next_char(text, m.end())
    if len(punct) > 1 or punct == "\u2026":
        # Ellipsis: punkt breaks only when the next word is capitalised.
        return nxt == "" or nxt.isupper()
    word = _word_before(text, m.start(1))
    if not word:
        return True
    low = word.lower().replace(".", "")
    if word.lower() in _ABBREVIATIONS or (low in _ABBREVIATIONS and "." in word):
        return False
    if _INITIAL.fullmatch(word) or _DOTTED.fullmatch(word):
        # An initial or acronym ends a sentence only at the end of the text.
        return nxt == ""
    return True


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, each stripped, empty ones dropped."""
    out: list[str] = []
    for line in text.splitlines():
        cuts = [0]
        for m in _END.finditer(line):
            if _is_break(line, m):
                cuts.append(m.end())
        for m in _CJK_END.finditer(line):
            cuts.append(m.end())
        cuts = sorted(set(cuts)) + [len(line)]
        for a, b in zip(cuts, cuts[1:], strict=False):
            s = line[a:b].strip()
            if s:
                out.append(s)
    return out


def sentences_to_lines(text: str) -> str:
    """``text`` with one sentence per line, as rougeLsum expects."""
    return "\n".join(split_sentences(text))
