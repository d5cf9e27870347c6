#!/usr/bin/env bash
# Installs a built wheel into a clean virtual environment per interpreter and checks it as a new
# user would: only numpy comes with it, it imports, `lexmetrics score --demo` runs, and a parity
# smoke test against sacrebleu / rouge-score passes. The release workflow runs this same script.
#
#   bash scripts/smoke-wheel.sh dist/lexmetrics-*.whl PYTHON [PYTHON ...]
#
# Versions come from constraints/ci.txt unless LEXMETRICS_NEWEST=1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { echo "usage: $0 WHEEL PYTHON [PYTHON ...]" >&2; exit 2; }
wheel=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
work=${LEXMETRICS_SMOKE_DIR:-$root/target/smoke}
mkdir -p "$work"
if [ "${LEXMETRICS_NEWEST:-0}" = 1 ]; then pins=(); else pins=(-c "$root/constraints/ci.txt"); fi

for py in "$@"; do
  t0=$SECONDS
  ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  venv="$work/py$ver"
  rm -rf "$venv"
  "$py" -m venv "$venv"
  bin="$venv/bin"; [ -d "$venv/Scripts" ] && bin="$venv/Scripts"   # Windows
  pip=("$bin/python" -m pip install -q --disable-pip-version-check "${pins[@]}")
  "${pip[@]}" "$wheel"
  # The wheel alone must bring nothing but numpy.
  "$bin/python" - <<'PY'
import importlib.metadata as m
names = sorted({d.metadata["Name"].lower() for d in m.distributions()} - {"pip", "setuptools", "wheel"})
assert names == ["lexmetrics", "numpy"], f"the wheel installed {names}"
PY
  # Outside the source tree, so the installed package is what gets imported.
  (cd "$work" && "$bin/python" -c "import sys, lexmetrics, lexmetrics._native; assert 'torch' not in sys.modules; print('import ok:', lexmetrics.__file__)")
  (cd "$work" && "$bin/lexmetrics" score --demo)
  "${pip[@]}" sacrebleu rouge-score
  (cd "$work" && "$bin/python" "$root/scripts/smoke.py")
  echo "smoke-wheel: Python $ver ok ($((SECONDS - t0)) s)"
done
