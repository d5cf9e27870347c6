"""The built-in rougeLsum sentence splitter (no nltk data)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lexmetrics._sentences import sentences_to_lines, split_sentences
from rouge_score import rouge_scorer

CASES = [
    (
        "Mr. Smith went to Washington. He arrived at 3 p.m. on Monday! Did he? Yes.",
        ["Mr. Smith went to Washington.", "He arrived at 3 p.m. on Monday!", "Did he?", "Yes."],
    ),
    (
        'J. K. Rowling wrote it. "It is good." She said so.',
        ["J. K. Rowling wrote it.", '"It is good."', "She said so."],
    ),
    ("Wait... what? It was... Great.", ["Wait... what?", "It was...", "Great."]),
    (
        "The U.S. economy grew 3.5 percent in 2019. Analysts, e.g. Jones, agree.",
        ["The U.S. economy grew 3.5 percent in 2019.", "Analysts, e.g. Jones, agree."],
    ),
    ("See Fig. 3 and Eq. 2 of Vol. 4. Done.", ["See Fig. 3 and Eq. 2 of Vol. 4.", "Done."]),
    ("He left (at noon.) Then it rained.", ["He left (at noon.)", "Then it rained."]),
    ("line one\nline two. three", ["line one", "line two.", "three"]),
    ("今天下雨。明天晴天！好", ["今天下雨。", "明天晴天！", "好"]),
    ("no final stop", ["no final stop"]),
    ("", []),
    ("  \n \n ", []),
]


@pytest.mark.parametrize(("text", "want"), CASES)
def test_split_sentences(text, want):
    assert split_sentences(text) == want


def test_not_between_characters():
    # huggingface/trl#862: "\n".join(pred.strip()) puts a newline between characters
    assert sentences_to_lines("ab cd. ef gh.") == "ab cd.\nef gh."


def test_rouge_lsum_sees_the_sentences():
    sc = rouge_scorer.RougeScorer(["rougeL", "rougeLsum"])
    ref = "the cat sat on the mat. a dog ran far away."
    pred = "a dog ran far away. the cat sat on the mat."
    flat = sc.score(ref, pred)
    lined = sc.score(sentences_to_lines(ref), sentences_to_lines(pred))
    assert flat["rougeLsum"].fmeasure == flat["rougeL"].fmeasure  # one "sentence": no difference
    assert lined["rougeLsum"].fmeasure == 1.0 > lined["rougeL"].fmeasure
    assert lined["rougeL"] == flat["rougeL"]  # newlines are whitespace to rougeL


@given(
    st.lists(st.sampled_from(list("ab .!?\n\"')(…。U") + ["Mr.", "e.g.", "U.S."]), max_size=40).map(
        "".join
    )
)
def test_splitting_only_moves_whitespace(text):
    # Every non-space character survives, in order; sentences are stripped and non-empty.
    sents = split_sentences(text)
    assert "".join("".join(s.split()) for s in sents) == "".join(text.split())
    assert all(s and s == s.strip() and "\n" not in s for s in sents)
