#!/usr/bin/env bash
# Each extra alone: a clean virtual environment (no system site-packages) with only the built wheel
# and that extra installed, running that extra's documented example.
#
#   bash scripts/check-extras.sh [none] [arrow] [spark] [train] [qlora]     (default: all five)
#
# Uses the wheel scripts/build-wheels.sh left in dist/ (or $LEXMETRICS_WHEEL); versions from
# constraints/ci.txt unless LEXMETRICS_NEWEST=1. Downloads go through pip's cache, so a second run
# reuses them (torch from the index is the CUDA build: several GB the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
wheel=${LEXMETRICS_WHEEL:-$(ls "$root"/dist/lexmetrics-*-cp310-abi3-manylinux*x86_64.whl 2>/dev/null | head -1)}
[ -f "$wheel" ] || { echo "check-extras: no wheel; run scripts/build-wheels.sh first" >&2; exit 1; }
work=$root/target/extras
mkdir -p "$work"
if [ "${LEXMETRICS_NEWEST:-0}" = 1 ]; then pins=(); else pins=(-c "$root/constraints/ci.txt"); fi
[ $# -gt 0 ] || set -- none arrow spark train qlora
example() { python3 "$root/scripts/doc_example.py" "$@"; }

for extra in "$@"; do
  t0=$SECONDS
  venv=$work/$extra
  rm -rf "$venv"
  python3 -m venv "$venv"
  py=$venv/bin/python
  spec=$wheel; [ "$extra" = none ] || spec="$wheel[$extra]"
  # QLoRA is used with the training extra
  [ "$extra" = qlora ] && spec="$wheel[train,qlora]"
  "$py" -m pip install -q --disable-pip-version-check "${pins[@]}" "$spec"
  t_install=$((SECONDS - t0))
  cd "$venv"   # outside the source tree: the installed wheel is what gets imported
  case $extra in
    none)
      "$venv/bin/lexmetrics" score --demo
      example "$root/README.md" "lexmetrics.corpus_bleu(preds, refs)" | "$py" -
      # Without their extra, the optional parts say which extra to install.
      for part in arrow:arrow spark:spark train:train; do
        "$py" - "${part%%:*}" "${part##*:}" <<'PY'
import importlib, sys
module, extras = sys.argv[1], sys.argv[2].split(",")
try:
    importlib.import_module(f"lexmetrics.{module}")
except ImportError as exc:
    assert any(f"lexmetrics[{e}]" in str(exc) for e in extras), exc
else:
    raise SystemExit(f"lexmetrics.{module} imported without its extra")
PY
      done ;;
    arrow) example "$root/docs/spark.md" "la.score_batch" | "$py" - ;;
    spark) example "$root/docs/spark.md" "lms.corpus_scores" | "$py" - ;;
    train) "$venv/bin/lexmetrics" finetune-demo ;;
    qlora) example "$root/docs/training.md" "prepare_model_for_kbit_training(model)" | "$py" - ;;
    *) echo "check-extras: unknown extra $extra" >&2; exit 2 ;;
  esac
  cd "$root"
  echo "check-extras: [$extra] ok: install ${t_install} s, total $((SECONDS - t0)) s, venv $(du -sh "$venv" | cut -f1)"
  # The train venv alone is several GB; keep them only on request.
  [ "${LEXMETRICS_KEEP_VENVS:-0}" = 1 ] || rm -rf "$venv"
done
