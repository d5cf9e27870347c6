"""Group-bys from 10 to 1M groups: the fold of per-pair statistics into per-group states.

Per number of groups, in a fresh process: 1M pairs of synthetic rougeL + BLEU statistics (the
shapes ``lexmetrics score -m rougeL,bleu`` folds) folded in chunks of 100k pairs with string group
keys, then every group's metrics computed one group at a time (what ``--by`` reports). Reports the
fold time, the per-group results time, the peak RSS of that process, and ``correct``: group sizes
sum to the pairs and one group's BLEU equals the score of its own rows. With ``--cli``, also
``lexmetrics score --by id`` end to end on 200k pairs (10, 1k, 100k groups).
Target (issue 17): 1M groups under 500 MB, time linear in the pairs. Speed is never asserted.

    python benches/bench_groupby.py [--groups 10,1000,100000,1000000] [--cli]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

from _common import require_release, table  # noqa: E402

_CHILD = r"""
import json, resource, sys, time
import numpy as np
from lexmetrics._aggregate import StateFold, Tally, group_index
from lexmetrics._metric_specs import build_specs

pairs, groups, chunk = int(sys.argv[1]), int(sys.argv[2]), 100_000
specs = build_specs(["rougeL", "bleu"])
rng = np.random.default_rng(0)
fold = StateFold(specs)
t0 = time.perf_counter()
probe = []
for start in range(0, pairs, chunk):
    k = min(chunk, pairs - start)
    rouge = rng.random((k, 3))
    bleu = rng.integers(0, 40, size=(k, 10)).astype(np.int64)
    ids = (np.arange(start, start + k) * 7919) % groups
    codes, keys = group_index([[f"id{i}" for i in ids.tolist()]])
    fold.add([rouge, bleu], groups=(codes, keys))
    sel = ids == 3
    probe.append((rouge[sel], bleu[sel]))
t_fold = time.perf_counter() - t0
t0 = time.perf_counter()
total = fold.total()
seen, probe_score = 0, None
for key, n, m in fold.iter_group_metrics(total):
    seen += n
    if key == ("id3",):
        probe_score = m["bleu"]["score"]
t_walk = time.perf_counter() - t0
ref = Tally(specs)
ref.add(specs, [np.concatenate([p[0] for p in probe]), np.concatenate([p[1] for p in probe])])
ok = seen == pairs and probe_score == fold.metrics(ref, nrefs_of=total)["bleu"]["score"]
print(json.dumps({"fold": t_fold, "walk": t_walk, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "ok": bool(ok)}))
"""

_PEAK = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(r.returncode)\n"
)


def fold_row(pairs: int, groups: int) -> dict:
    p = subprocess.run(
        [sys.executable, "-c", _CHILD, str(pairs), str(groups)], capture_output=True, text=True
    )
    if p.returncode != 0:
        raise SystemExit(p.stderr[-2000:])
    r = json.loads(p.stdout)
    return {
        "what": f"fold {pairs:,} pairs",
        "groups": f"{groups:,}",
        "fold s": r["fold"],
        "results s": r["walk"],
        "peak RSS MB": round(r["rss"]),
        "correct": r["ok"],
    }


def cli_row(path: str, pairs: int, groups: int) -> dict:
    t0 = time.perf_counter()
    p = subprocess.run(
        [
            sys.executable,
            "-c",
            _PEAK,
            sys.executable,
            "-m",
            "lexmetrics.cli",
            "score",
            "-i",
            path,
            "-m",
            "rougeL,bleu",
            "--by",
            "id",
            "-q",
        ],
        capture_output=True,
        text=True,
    )
    el = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(p.stderr[-2000:])
    rep = json.loads(p.stdout)
    ok = len(rep["groups"]) == groups and sum(g["n"] for g in rep["groups"].values()) == pairs
    return {
        "what": f"lexmetrics score --by id, {pairs:,} pairs",
        "groups": f"{groups:,}",
        "fold s": el,
        "peak RSS MB": round(int(p.stderr.strip().splitlines()[-1]) / 1024),
        "correct": ok,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=1_000_000)
    ap.add_argument("--groups", default="10,1000,100000,1000000")
    ap.add_argument("--cli", action="store_true")
    ap.add_argument("--cli-pairs", type=int, default=200_000)
    args = ap.parse_args()
    require_release()
    counts = [int(g) for g in args.groups.split(",")]
    rows = [fold_row(max(args.pairs, g), g) for g in counts]
    if args.cli:
        rng = random.Random(0)
        words = "the a of to and in is was for on that with as by at from it an be".split()
        with tempfile.TemporaryDirectory() as d:
            for g in (c for c in counts if c <= args.cli_pairs):
                path = os.path.join(d, f"g{g}.jsonl")
                with open(path, "w") as f:
                    for i in range(args.cli_pairs):
                        ref = " ".join(rng.choice(words) for _ in range(12))
                        f.write(
                            json.dumps({"prediction": ref[::-1], "reference": ref, "id": i % g})
                            + "\n"
                        )
                rows.append(cli_row(path, args.cli_pairs, g))
    print(table(rows, ["what", "groups", "fold s", "results s", "peak RSS MB", "correct"]))


if __name__ == "__main__":
    main()
