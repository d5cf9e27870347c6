"""ROUGE speed, side by side on the same data in the same run: lexmetrics vs rouge-score vs rouge-score-rs.

Usage: python benches/bench_rouge.py [--short N] [--long N]   (release build required)

Every implementation's P/R/F for every pair and type is compared with rouge-score's (`correct`).
rouge-score-rs sizes its rayon pool from RAYON_NUM_THREADS once per process, so its 1- and 2-thread
runs happen in child processes of this script.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import best_time, require_release, table  # noqa: E402

WORDS = (
    "the a of to in and is was for on with that it as at by from this be are or an "
    "model models training trained result results method methods running runs runner data "
    "evaluate evaluation generated generating summary summaries sentence sentences quickly "
    "network networks learning learned paper papers report reported city cities happy happily "
    "Paris IBM GPU 2019 3.50 don't e-mail"
).split()


def _sent(rng: random.Random, n: int) -> list[str]:
    return [
        rng.choice(WORDS) if rng.random() < 0.9 else rng.choice(WORDS).upper() for _ in range(n)
    ]


def _perturb(rng: random.Random, ws: list[str]) -> list[str]:
    out = [w if rng.random() > 0.25 else rng.choice(WORDS) for w in ws if rng.random() > 0.1]
    return out


def make_data(case: str, n: int) -> tuple[list[str], list[str]]:
    rng = random.Random(1234 if case == "short" else 5678)
    targets, preds = [], []
    for _ in range(n):
        if case == "short":
            s = _sent(rng, 40)
            targets.append(" ".join(s))
            preds.append(" ".join(_perturb(rng, s)))
        else:
            sents = [_sent(rng, rng.randint(15, 30)) for _ in range(8)]
            ps = [_perturb(rng, s) for s in sents]
            rng.shuffle(ps)
            targets.append("\n".join(" ".join(s) for s in sents))
            preds.append("\n".join(" ".join(s) for s in ps[:6]))
    return targets, preds


TYPES = {"short": ["rouge1", "rouge2", "rougeL"], "long": ["rouge1", "rougeL", "rougeLsum"]}
# Best-of counts: runs take milliseconds on a shared machine, so take the best of many.
REPEAT_PEER = 7
ROUNDS_US = 25


def flat(scores: list[dict], types: list[str]) -> list[float]:
    return [float(v) for d in scores for t in types for v in d[t]]


def child_rs(case: str, n: int, stem: bool) -> None:
    """Runs in a child with RAYON_NUM_THREADS set: times rouge-score-rs, prints JSON."""
    from rouge_score_rs import rouge_scorer as rs

    targets, preds = make_data(case, n)
    sc = rs.RougeScorer(TYPES[case], use_stemmer=stem)
    t, out = best_time(lambda: sc.score_batch(targets, preds), REPEAT_PEER)
    print(json.dumps({"time": t, "scores": flat(out, TYPES[case])}))


def run_rs(case: str, n: int, stem: bool, threads: int) -> tuple[float, list[float]]:
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    cmd = [sys.executable, __file__, "--child", case, str(n), str(int(stem))]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    d = json.loads(res.stdout.strip().splitlines()[-1])
    return d["time"], d["scores"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--short", type=int, default=4000)
    ap.add_argument("--long", type=int, default=400)
    ap.add_argument("--child", nargs=3)
    a = ap.parse_args()
    if a.child:
        child_rs(a.child[0], int(a.child[1]), a.child[2] == "1")
        return
    require_release()
    import lexmetrics
    from lexmetrics.compat.rouge_score import rouge_scorer as compat
    from rouge_score import rouge_scorer as ref

    rows = []
    for case, n in (("short", a.short), ("long", a.long)):
        targets, preds = make_data(case, n)
        types = TYPES[case]
        for stem in (False, True):
            label = f"{case} {'+'.join(types)} stem={'on' if stem else 'off'} (n={n})"
            rsc = ref.RougeScorer(types, use_stemmer=stem)
            t_ref, ref_out = best_time(
                lambda rsc=rsc, tg=targets, pr=preds: [rsc.score(t, p) for t, p in zip(tg, pr)], 1
            )
            expect = flat(ref_out, types)
            timings = []
            for w in (1, 2):
                t_rs, rs_scores = run_rs(case, n, stem, w)
                timings.append((f"rouge-score-rs ({w} thr)", w, t_rs, rs_scores == expect))

            # workers=1 and workers=2 alternate, so both see the same machine conditions.
            best = {1: float("inf"), 2: float("inf")}
            res = {}
            for _ in range(ROUNDS_US):
                for w in (1, 2):
                    t_us, res[w] = best_time(
                        lambda w=w, tg=targets, pr=preds, ty=types, st=stem: lexmetrics.rouge(
                            pr, tg, rouge_types=ty, use_stemmer=st, workers=w
                        ),
                        1,
                    )
                    best[w] = min(best[w], t_us)
            for w in (1, 2):
                r = res[w]
                got = [
                    float(x)
                    for i in range(n)
                    for t in types
                    for x in (r[t].precision[i], r[t].recall[i], r[t].fmeasure[i])
                ]
                timings.append((f"lexmetrics.rouge (workers={w})", w, best[w], got == expect))
            cs = compat.RougeScorer(types, use_stemmer=stem)
            t_c, c_out = best_time(
                lambda cs=cs, tg=targets, pr=preds: cs.score_batch(tg, pr, workers=1), REPEAT_PEER
            )
            timings.append(("compat score_batch (workers=1)", 1, t_c, flat(c_out, types) == expect))
            rs1 = timings[0][2]
            rows.append(
                {
                    "case": label,
                    "impl": "rouge-score",
                    "cores": 1,
                    "pairs/s": n / t_ref,
                    "x rouge-score": 1.0,
                    "x rouge-score-rs(1)": rs1 / t_ref,
                    "correct": True,
                }
            )
            us1 = None
            for name, w, t, ok in timings:
                if name.startswith("lexmetrics.rouge") and w == 1:
                    us1 = t
                row = {
                    "case": label,
                    "impl": name,
                    "cores": w,
                    "pairs/s": n / t,
                    "x rouge-score": t_ref / t,
                    "x rouge-score-rs(1)": rs1 / t,
                    "correct": ok,
                }
                if name.startswith("lexmetrics.rouge") and w == 2 and us1:
                    row["impl"] += f" [1->2 cores: {us1 / t:.2f}x]"
                rows.append(row)
    cols = ["case", "impl", "cores", "pairs/s", "x rouge-score", "x rouge-score-rs(1)", "correct"]
    print(table(rows, cols))


if __name__ == "__main__":
    main()
