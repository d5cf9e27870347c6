#!/usr/bin/env bash
# The checks a GPU adds, in one run: the QLoRA tests (bitsandbytes 4-bit/8-bit layers on CUDA against
# peft's) and the device-aware LoRA / prompt-tuning / demo tests, whose fp16/bf16 merge tests then run
# on CUDA too. Everything else (and these same tests on the CPU) runs in scripts/test.sh.
#
#   bash scripts/gpu-checks.sh            (after scripts/test.sh, or with lexmetrics[test,train,qlora] installed)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import torch
assert torch.cuda.is_available(), "gpu-checks: torch sees no CUDA device"
from importlib.metadata import version
print("gpu-checks:", torch.cuda.get_device_name(0), "| torch", torch.__version__, "| bitsandbytes",
      version("bitsandbytes"), "| peft", version("peft"), "| transformers", version("transformers"))
PY
LEXMETRICS_TEST_DEVICE=cuda LEXMETRICS_REQUIRE_EXTRAS=1 python3 -m pytest -q -p no:cacheprovider -rs \
  tests/train/test_qlora.py tests/train/test_lora.py tests/train/test_prompt_tuning.py \
  tests/train/test_demo.py "$@"
