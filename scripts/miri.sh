#!/usr/bin/env bash
# Runs the Arrow C-interface importer's tests (rust/arrow-c, every unsafe block of the project)
# under Miri, which flags any out-of-bounds read, use after free or aliasing violation they reach.
# Installs what it needs: a nightly toolchain with the miri and rust-src components.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal --component miri,rust-src
else
    rustup component add --toolchain nightly miri rust-src
fi
cargo +nightly miri setup
# Miri runs ~100x slower than native code: only the crate that holds unsafe code, no doctests.
MIRIFLAGS="${MIRIFLAGS:-}" cargo +nightly miri test -q -p lexmetrics-arrow-c --tests "$@"
