"""The drop-ins users migrate to, each against the library it replaces: same data, same run.

    python benches/bench_user_compat.py [--pairs 2000] [--repeat 3]

Surfaces: ``lexmetrics.compat.nltk`` vs nltk's ``bleu_score``; ``lexmetrics.integrations.torchmetrics``
vs torchmetrics' text metrics (update in batches of 64, then compute); ``lexmetrics.compat.evaluate``
vs what evaluate's metric scripts run (the scripts are on the hub: rouge-score with its
BootstrapAggregator, TF-NMT ``compute_bleu`` on sacrebleu's 13a tokens, nltk ``corpus_gleu``,
sacrebleu). The "check" column says what was compared: ``==`` for equality, or the float32 gap to
torchmetrics where torchmetrics rounds (its float64 reference is checked ``==`` instead).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from fractions import Fraction

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

import lexmetrics as lm  # noqa: E402
from _common import best_time, require_release, table  # noqa: E402
from bench_bleu import corpus  # noqa: E402


def main() -> None:
    require_release()
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    warnings.simplefilter("ignore")  # nltk's zero-count warnings, on both sides

    import torch

    torch.set_num_threads(1)
    hyps, refs = corpus(args.pairs)
    refs_l = [[r] for r in refs]
    n = len(hyps)
    rows: list[dict] = []

    def add(surface, task, t_peer, t_ours, check):
        rows.append(
            {
                "surface": surface,
                "task": task,
                "peer s": t_peer,
                "lexmetrics s": t_ours,
                "speed-up": t_peer / t_ours,
                "check": check,
            }
        )

    def pair(surface, task, peer, ours, check):
        t_peer, a = best_time(peer, repeat=1)
        t_ours, b = best_time(ours, repeat=args.repeat)
        add(surface, task, t_peer, t_ours, check(a, b))

    # ---- nltk
    from lexmetrics.compat.nltk.translate import bleu_score as ob
    from nltk.translate import bleu_score as nb

    H = [h.split() for h in hyps]
    R = [[r.split()] for r in refs]
    pair(
        "nltk",
        "corpus_bleu",
        lambda: nb.corpus_bleu(R, H),
        lambda: ob.corpus_bleu(R, H),
        lambda a, b: f"== {a == b}",
    )
    s_n, s_o = nb.SmoothingFunction().method1, ob.SmoothingFunction().method1
    pair(
        "nltk",
        "sentence_bleu loop (method1)",
        lambda: [nb.sentence_bleu(r, h, smoothing_function=s_n) for r, h in zip(R, H)],
        lambda: [ob.sentence_bleu(r, h, smoothing_function=s_o) for r, h in zip(R, H)],
        lambda a, b: f"== {a == b}",
    )

    # ---- torchmetrics
    import sacrebleu
    from lexmetrics.integrations import torchmetrics as lt
    from rouge_score import rouge_scorer
    from torchmetrics import text as tmt

    def run(metric):
        for a in range(0, n, 64):
            metric.update(hyps[a : a + 64], refs_l[a : a + 64])
        out = metric.compute()
        return {k: v.item() for k, v in out.items()} if isinstance(out, dict) else out.item()

    sb = sacrebleu.corpus_bleu(hyps, [refs], smooth_method="none").score / 100
    cf = sacrebleu.corpus_chrf(hyps, [refs], word_order=2).score / 100
    pair(
        "torchmetrics",
        "BLEUScore",
        lambda: run(tmt.BLEUScore()),
        lambda: run(lt.BLEUScore()),
        lambda a, b: f"float32 gap {abs(a - b):.1e}",
    )
    pair(
        "torchmetrics",
        "SacreBLEUScore",
        lambda: run(tmt.SacreBLEUScore()),
        lambda: run(lt.SacreBLEUScore()),
        lambda a, b: f"== sacrebleu/100 {b == sb}; tm gap {abs(a - b):.1e}",
    )
    pair(
        "torchmetrics",
        "CHRFScore",
        lambda: run(tmt.CHRFScore()),
        lambda: run(lt.CHRFScore()),
        lambda a, b: f"== sacrebleu/100 {b == cf}; tm gap {abs(a - b):.1e}",
    )
    te = sacrebleu.metrics.TER().corpus_score(hyps, [refs]).score / 100
    pair(
        "torchmetrics",
        "TranslationEditRate",
        lambda: run(tmt.TranslationEditRate()),
        lambda: run(lt.TranslationEditRate()),
        lambda a, b: f"== sacrebleu/100 {b == te}; tm gap {abs(a - b):.1e}",
    )
    keys = ("rouge1", "rouge2", "rougeL")
    scorer = rouge_scorer.RougeScorer(list(keys))
    per = [scorer.score(r, h) for h, r in zip(hyps, refs)]
    exact = float(sum(Fraction(s["rougeL"].fmeasure) for s in per) / n)
    pair(
        "torchmetrics",
        "ROUGEScore (1, 2, L)",
        lambda: run(tmt.ROUGEScore(rouge_keys=keys)),
        lambda: run(lt.ROUGEScore(rouge_keys=keys)),
        lambda a, b: (
            f"rougeL == rouge-score mean {b['rougeL_fmeasure'] == exact}; tm gap {abs(a['rougeL_fmeasure'] - b['rougeL_fmeasure']):.1e}"
        ),
    )

    # ---- evaluate (what its scripts run, on the real packages)
    import numpy as np
    from lexmetrics.compat import evaluate as ev
    from nltk.translate.gleu_score import corpus_gleu
    from rouge_score import scoring
    from test_compat_evaluate import evaluate_13a, nmt_compute_bleu

    def script_rouge():
        np.random.seed(0)
        sc = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"])
        agg = scoring.BootstrapAggregator()
        for h, r in zip(hyps, refs):
            agg.add_scores(sc.score(r, h))
        return {k: v.mid.fmeasure for k, v in agg.aggregate().items()}

    eq = lambda a, b: f"== {a == b}"  # noqa: E731
    pair(
        "evaluate",
        "rouge (bootstrap, seeded)",
        script_rouge,
        lambda: ev.load("rouge").compute(predictions=hyps, references=refs, seed=0),
        eq,
    )
    pair(
        "evaluate",
        "bleu",
        lambda: nmt_compute_bleu(
            [[evaluate_13a(r)] for r in refs], [evaluate_13a(h) for h in hyps]
        ),
        lambda: ev.load("bleu").compute(predictions=hyps, references=refs),
        eq,
    )
    pair(
        "evaluate",
        "google_bleu",
        lambda: {
            "google_bleu": corpus_gleu(
                [[evaluate_13a(r)] for r in refs], [evaluate_13a(h) for h in hyps]
            )
        },
        lambda: ev.load("google_bleu").compute(predictions=hyps, references=refs),
        eq,
    )
    pair(
        "evaluate",
        "sacrebleu",
        lambda: sacrebleu.corpus_bleu(hyps, [refs]).score,
        lambda: ev.load("sacrebleu").compute(predictions=hyps, references=refs)["score"],
        eq,
    )
    pair(
        "evaluate",
        "chrf",
        lambda: sacrebleu.corpus_chrf(hyps, [refs]).score,
        lambda: ev.load("chrf").compute(predictions=hyps, references=refs)["score"],
        eq,
    )

    pair(
        "evaluate",
        "ter",
        lambda: sacrebleu.metrics.TER().corpus_score(hyps, [refs]).score,
        lambda: ev.load("ter").compute(predictions=hyps, references=refs)["score"],
        eq,
    )

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"{n} pairs, 1 reference each, {os.cpu_count()} cores (load average {load}); lexmetrics {lm.__version__}\n"
    )
    print(table(rows, ["surface", "task", "peer s", "lexmetrics s", "speed-up", "check"]))


if __name__ == "__main__":
    main()
