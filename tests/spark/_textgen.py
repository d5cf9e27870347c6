"""Deterministic synthetic prediction/reference corpora for the Arrow and Spark tests."""

from __future__ import annotations

import random

_WORDS = (
    "the a cat dog sat on mat quickly running runs ran house houses model models translate "
    "translation of to in is was were be been 2024 3.5 100 x-ray e-mail U.S. don't it's "
    "naïve café Zürich über straße 東京 天气 नमस्ते привет мир , . ! ? ( ) \" '"
).split()


def make_corpus(n: int, seed: int = 7) -> list[dict]:
    """Rows {id, prediction, reference, refs (2 references), lang, model}; some texts empty."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        ref = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 40)))
        toks = ref.split()
        pred_toks = [t if rng.random() < 0.7 else rng.choice(_WORDS) for t in toks]
        if rng.random() < 0.3:
            pred_toks = pred_toks[: rng.randint(0, len(pred_toks))]
        pred = " ".join(pred_toks)
        if i % 97 == 5:
            pred = ""
        if i % 89 == 7:
            ref = ""
        if i % 83 == 3:
            pred = pred.upper()
        if i % 71 == 2:
            ref = ref.replace(" . ", " .\n")  # newlines matter to rougeLsum
        alt = " ".join(rng.sample(toks, len(toks))) if toks else "x"
        rows.append(
            {
                "id": i,
                "prediction": pred,
                "reference": ref,
                "refs": [ref, alt],
                "lang": ("en", "de", "fr", "zh")[i % 4],
                "model": "m1" if rng.random() < 0.5 else "m2",
            }
        )
    return rows
