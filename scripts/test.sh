#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine, then runs every test (Rust and Python).
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: a large English word list for the Porter-stemmer parity test, Java for Spark.
need=()
[ -f /usr/share/dict/american-english ] || need+=(wamerican)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# The package (release build of the Rust extension) with the reference packages the tests compare
# against, the training extra (torch, peft, transformers), the QLoRA extra (bitsandbytes, whose CPU
# backend runs the QLoRA tests without a GPU) and the Spark extra. By default at the
# exact versions CI tests against (constraints/ci.txt); LEXMETRICS_NEWEST=1 (or --newest) upgrades
# everything to the newest releases the extras allow instead.
if [ "${1:-}" = "--newest" ]; then LEXMETRICS_NEWEST=1; fi
if [ "${LEXMETRICS_NEWEST:-0}" = 1 ]; then
  pins=(--upgrade --upgrade-strategy eager)
else
  pins=(-c constraints/ci.txt)
fi
python3 -m pip install -q --disable-pip-version-check "${pins[@]}" '.[test,train,qlora,spark]'
python3 - <<'PY'
from importlib.metadata import version
names = "regex sacrebleu rouge-score nltk numpy pyarrow polars pandas pyspark torch peft transformers bitsandbytes"
print("test.sh: testing against", ", ".join(f"{n} {version(n)}" for n in names.split()))
PY

# regex releases spanning Unicode 15.0-17: the intl tokenizer is checked against each
# (tests/test_unicode_tables.py).
# One download per version: pip resolves the requirements of one call together, and several pins of
# one package in a call are "conflicting dependencies" (ResolutionImpossible with pip 23.2).
for v in 2022.10.31 2023.12.25 2024.11.6 2025.11.3 2026.11.19; do
  python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
    -d target/regex-wheels "regex==$v"
done

# The package's types ([tool.mypy] in pyproject.toml: files, strictness).
python3 -m mypy

cargo test -q -p lexmetrics-core -p lexmetrics-arrow-c
# The criterion benches compile (debug profile: seconds, not the LTO bench build).
cargo test -q -p lexmetrics-core --benches --no-run
# Run from tests/ so that the installed package (not the source tree) is imported.
LEXMETRICS_REQUIRE_EXTRAS=1 python3 -m pytest -q -p no:cacheprovider tests
