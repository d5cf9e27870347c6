"""Cost of one evaluation step's metrics on 10k generated strings: lexmetrics vs the common paths.

Peers (run locally, nothing downloaded):
- ROUGE as ``evaluate.load("rouge")`` computes it: rouge-score ``RougeScorer`` per pair, folded into a
  ``BootstrapAggregator`` (1000 resamples), reporting the "mid" F;
- BLEU / chrF: ``sacrebleu.corpus_bleu`` / ``corpus_chrf``;
- the HF example ``compute_metrics`` (run_summarization.py): -100 -> pad, ``batch_decode``, strip,
  sentence lines for rougeLsum, then the peers above.
Ours: the accumulators (``TextMetrics``) on the same texts, and ``make_compute_metrics`` on the same ids.

Correctness next to speed: ROUGE ours == the correctly rounded mean of rouge-score's own per-pair F
(the bootstrap "mid" is an approximation of that mean, printed for reference); BLEU/chrF == sacrebleu.

Run: python benches/bench_compute_metrics.py [--n 10000]   (needs a release build)
"""

from __future__ import annotations

import argparse
import logging
import random

import numpy as np
import sacrebleu
from _common import best_time, require_release, table
from lexmetrics import _exactsum
from lexmetrics._sentences import sentences_to_lines
from lexmetrics.integrations.hf import TextMetrics, make_compute_metrics
from rouge_score import rouge_scorer, scoring
from transformers import EvalPrediction

ROUGE = ("rouge1", "rouge2", "rougeL", "rougeLsum")


def make_corpus(n: int, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    """Summaries of 2-4 sentences (8-20 words each) and perturbed generations, as token-joined text."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(3000)]
    weights = [1.0 / (r + 1) for r in range(len(vocab))]
    refs, preds = [], []
    for _ in range(n):
        sents = [
            rng.choices(vocab, weights=weights, k=rng.randint(8, 20))
            for _ in range(rng.randint(2, 4))
        ]
        pred_sents = []
        for s in sents:
            p = [w if rng.random() > 0.25 else rng.choice(vocab) for w in s if rng.random() > 0.15]
            if len(p) > 3 and rng.random() < 0.3:
                i = rng.randrange(len(p) - 1)
                p[i], p[i + 1] = p[i + 1], p[i]
            pred_sents.append(p)
        refs.append(" . ".join(" ".join(s) for s in sents) + " .")
        preds.append(" . ".join(" ".join(s) for s in pred_sents if s) + " .")
    return preds, refs, vocab


def tokenizer_for(vocab: list[str]):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    ids = {"<pad>": 0, "</s>": 1, "<unk>": 2, ".": 3}
    for w in vocab:
        ids[w] = len(ids)
    tok = Tokenizer(models.WordLevel(ids, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>"
    )


def peer_rouge(preds, refs):
    # What evaluate's rouge module does with use_aggregator=True (its default).
    scorer = rouge_scorer.RougeScorer(list(ROUGE), use_stemmer=True)
    agg = scoring.BootstrapAggregator()
    per_pair = {t: [] for t in ROUGE}
    for p, r in zip(preds, refs, strict=True):
        s = scorer.score(r, p)
        agg.add_scores(s)
        for t in ROUGE:
            per_pair[t].append(s[t].fmeasure)
    res = agg.aggregate()
    return {t: res[t].mid.fmeasure for t in ROUGE}, per_pair


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    n = ap.parse_args().n
    repeat = ap.parse_args().repeat
    require_release()
    # sacrebleu warns about the tokenized " ." of this synthetic corpus (same data for both sides).
    logging.getLogger("sacrebleu").setLevel(logging.ERROR)
    preds, refs, vocab = make_corpus(n)
    lpreds = [sentences_to_lines(x) for x in preds]
    lrefs = [sentences_to_lines(x) for x in refs]
    rows = []

    # ROUGE
    t_peer, (mid, per_pair) = best_time(lambda: peer_rouge(lpreds, lrefs), repeat=1)
    tm = TextMetrics(ROUGE, percent=False)

    def ours_rouge():
        tm.reset()
        tm.update(preds, refs)
        return tm.compute()

    t_ours, got = best_time(ours_rouge, repeat=repeat)
    exact = {t: _exactsum.exact_mean(np.array(per_pair[t])) for t in ROUGE}
    rows.append(
        {
            "metric": "ROUGE-1/2/L/Lsum (stemmer)",
            "peer": "rouge-score + BootstrapAggregator",
            "peer s": t_peer,
            "lexmetrics s": t_ours,
            "speedup": t_peer / t_ours,
            "identical": got == exact,
            "note": f"rougeLsum mean {got['rougeLsum']:.6f}, bootstrap mid {mid['rougeLsum']:.6f}",
        }
    )

    # BLEU and chrF
    for name, metric, peer in [
        ("BLEU", "bleu", lambda: sacrebleu.corpus_bleu(preds, [refs]).score),
        ("chrF", "chrf", lambda: sacrebleu.corpus_chrf(preds, [refs]).score),
    ]:
        t_peer, want = best_time(peer, repeat=repeat)
        acc = TextMetrics((metric,), percent=True)

        def ours(acc=acc, metric=metric):
            acc.reset()
            acc.update(preds, refs)
            return acc.compute()[metric]

        t_ours, got_m = best_time(ours, repeat=repeat)
        rows.append(
            {
                "metric": name,
                "peer": f"sacrebleu.corpus_{metric}",
                "peer s": t_peer,
                "lexmetrics s": t_ours,
                "speedup": t_peer / t_ours,
                "identical": got_m == want,
                "note": f"{got_m:.4f}",
            }
        )

    # The whole compute_metrics from token ids (decode included on both sides).
    tok = tokenizer_for(vocab)
    pred_ids = tok(preds, padding=True, return_tensors="np")["input_ids"]
    label_ids = tok(refs, padding=True, return_tensors="np")["input_ids"]
    label_ids = np.where(label_ids == tok.pad_token_id, -100, label_ids)

    def hf_example():
        p = np.where(pred_ids != -100, pred_ids, tok.pad_token_id)
        lab = np.where(label_ids != -100, label_ids, tok.pad_token_id)
        dp = [x.strip() for x in tok.batch_decode(p, skip_special_tokens=True)]
        dl = [x.strip() for x in tok.batch_decode(lab, skip_special_tokens=True)]
        r, _ = peer_rouge([sentences_to_lines(x) for x in dp], [sentences_to_lines(x) for x in dl])
        out = {k: v * 100 for k, v in r.items()}
        out["bleu"] = sacrebleu.corpus_bleu(dp, [dl]).score
        return out

    cm = make_compute_metrics(tok, (*ROUGE, "bleu"), gen_len=False)
    ep = EvalPrediction(pred_ids, label_ids)
    t_peer, want_cm = best_time(hf_example, repeat=1)
    t_ours, got_cm = best_time(lambda: cm(ep), repeat=repeat)
    rows.append(
        {
            "metric": "compute_metrics (decode + ROUGE x4 + BLEU)",
            "peer": "HF run_summarization style",
            "peer s": t_peer,
            "lexmetrics s": t_ours,
            "speedup": t_peer / t_ours,
            "identical": got_cm["bleu"] == want_cm["bleu"],
            "note": "BLEU identical; ROUGE mean vs bootstrap mid (above)",
        }
    )

    print(f"{n} pairs, {sum(len(r.split()) for r in refs) / n:.0f} reference tokens on average")
    print(table(rows, ["metric", "peer", "peer s", "lexmetrics s", "speedup", "identical", "note"]))
    if not all(r["identical"] for r in rows):
        raise SystemExit("scores differ")


if __name__ == "__main__":
    main()
