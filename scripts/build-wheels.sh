#!/usr/bin/env bash
# Builds the release artifacts and checks them in clean virtual environments:
#   1. a manylinux2014 (glibc 2.17) abi3 wheel with maturin's zig linker, checked by `auditwheel show`;
#   2. the sdist; `twine check --strict` on both;
#   3. the wheel in a clean venv per CPython found (3.10-3.14): only numpy, import, `lexmetrics score
#      --demo`, parity smoke test against sacrebleu / rouge-score (scripts/smoke-wheel.sh);
#   4. the sdist built from scratch in a clean venv (`pip install lexmetrics-*.tar.gz`; Rust only).
# With --cross (or LEXMETRICS_CROSS=1) also cross-builds aarch64 manylinux2014 and x86_64/aarch64
# musllinux_1_2 wheels (built and inspected, not run: no emulator here).
# Build tools come from constraints/build.txt, test packages from constraints/ci.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
[ "${1:-}" = "--cross" ] && LEXMETRICS_CROSS=1
work=$root/target/release-check
dist=$root/dist
mkdir -p "$work" "$dist"
rm -f "$dist"/lexmetrics-*
step() { echo "build-wheels: [$((SECONDS - t_step))s] $*"; t_step=$SECONDS; }
t_step=$SECONDS

# Build tools in their own venv (maturin, ziglang, auditwheel, twine), at pinned versions.
bv=$work/build-venv
[ -x "$bv/bin/maturin" ] || { rm -rf "$bv"; python3 -m venv "$bv"; }
"$bv/bin/python" -m pip install -q --disable-pip-version-check -c constraints/build.txt \
  maturin ziglang auditwheel twine
export PATH=$bv/bin:$PATH
step "build tools ready"

# 1. Portable wheel: zig links against glibc 2.17 symbols whatever the host glibc is.
maturin build --release --compatibility manylinux2014 --zig -o "$dist"
wheel=$(ls "$dist"/lexmetrics-*-cp310-abi3-manylinux*x86_64.whl)
auditwheel show "$wheel" | tee "$work/auditwheel.txt"
grep -q '"manylinux_2_17_x86_64"' "$work/auditwheel.txt" \
  || { echo "build-wheels: $wheel is not manylinux_2_17_x86_64" >&2; exit 1; }
step "manylinux2014 wheel built and audited"

# 2. sdist and metadata.
maturin sdist -o "$dist"
sdist=$(ls "$dist"/lexmetrics-*.tar.gz)
twine check --strict "$wheel" "$sdist"
step "sdist built, twine check passed"

# 3. The wheel under every CPython the machine has.
pythons=()
for v in 3.10 3.11 3.12 3.13 3.14; do
  for cand in "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/$v*/bin/python$v "$(command -v python$v || true)"; do
    if [ -x "$cand" ] && "$cand" -c 'import venv' 2>/dev/null; then pythons+=("$cand"); break; fi
  done
done
[ ${#pythons[@]} -gt 0 ] || { echo "build-wheels: no CPython 3.10+ found" >&2; exit 1; }
echo "build-wheels: smoke-testing under ${pythons[*]}"
LEXMETRICS_SMOKE_DIR=$work/smoke bash scripts/smoke-wheel.sh "$wheel" "${pythons[@]}"
step "wheel smoke-tested under ${#pythons[@]} interpreters"

# 4. The sdist from scratch: pip builds it with maturin from the index, needs only Rust and Cargo.
sv=$work/sdist-venv
rm -rf "$sv"
python3 -m venv "$sv"
"$sv/bin/python" -m pip install -q --disable-pip-version-check "$sdist"
(cd "$work" && "$sv/bin/python" -c "import lexmetrics._native, lexmetrics; print('sdist import ok:', lexmetrics.__file__)" \
  && "$sv/bin/lexmetrics" score --demo >/dev/null)
step "sdist installed from scratch and imported"

# Optional cross builds (zig as the cross linker; the Rust targets come from rustup).
if [ "${LEXMETRICS_CROSS:-0}" = 1 ]; then
  for spec in aarch64-unknown-linux-gnu:manylinux2014 x86_64-unknown-linux-musl:musllinux_1_2 \
              aarch64-unknown-linux-musl:musllinux_1_2; do
    target=${spec%%:*} compat=${spec##*:}
    rustup target list --installed | grep -qx "$target" || rustup target add "$target"
    maturin build --release --target "$target" --compatibility "$compat" --zig -o "$dist"
    arch=${target%%-*}
    if [ "$compat" = manylinux2014 ]; then
      shown=$(auditwheel show "$(ls "$dist"/lexmetrics-*manylinux_2_17_"$arch".whl)")
      echo "$shown"
      grep -q "\"manylinux_2_17_$arch\"" <<<"$shown" \
        || { echo "build-wheels: the $arch wheel is not manylinux_2_17_$arch" >&2; exit 1; }
    else
      # auditwheel cannot read musl's libc on a glibc host: check the dynamic section ourselves.
      w=$(ls "$dist"/lexmetrics-*musllinux_1_2_"$arch".whl)
      needed=$("$bv/bin/python" - "$w" <<'PY'
import io, sys, zipfile
from elftools.elf.elffile import ELFFile
with zipfile.ZipFile(sys.argv[1]) as z:
    so = next(n for n in z.namelist() if n.endswith(".so"))
    elf = ELFFile(io.BytesIO(z.read(so)))
    print(" ".join(sorted(t.needed for t in elf.get_section_by_name(".dynamic").iter_tags() if t.entry.d_tag == "DT_NEEDED")))
PY
)
      [ "$needed" = "libc.so" ] || { echo "build-wheels: $w needs $needed (only musl's libc allowed)" >&2; exit 1; }
    fi
    step "cross-built $target ($compat)"
  done
fi
ls -l "$dist"
echo "build-wheels: all checks passed"
