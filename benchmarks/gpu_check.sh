#!/usr/bin/env bash
# One prepared check for a GPU machine: the CUDA tests, and bf16 against fp32 on the tiny demo
# (precision in node keys, device in manifests). Everything it measures goes to $OUT (default
# ./gpu-check-out). Runs from the repository root; on a machine without the project's
# dependencies, put wheels in .whl/ (pydantic + pydantic_core + annotated_types + typing_inspection,
# seqeval) and they are installed to /tmp/site first. Uses the machine's own torch, never installs one.
set -uo pipefail
OUT=${OUT:-gpu-check-out}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
if compgen -G ".whl/*.whl" > /dev/null; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
$PY -m pip install -q --no-deps --no-build-isolation --no-index -e . > "$OUT/install.log" 2>&1 || cat "$OUT/install.log"
{ nvidia-smi; $PY -c "import torch, transformers; print('torch', torch.__version__, 'cuda', torch.version.cuda,
'gpu', torch.cuda.get_device_name(0), 'bf16', torch.cuda.is_bf16_supported(), 'transformers', transformers.__version__)"; } \
  > "$OUT/env.txt" 2>&1
tail -1 "$OUT/env.txt"
status=0
$PY -m pytest -q -p no:cacheprovider tests/test_encoders.py tests/test_viterbi.py tests/test_steps.py \
  tests/test_store_integrity.py tests/test_preflight_keys.py tests/test_fault_injection.py -rs 2>&1 \
  | tee "$OUT/pytest.txt" | tail -8 || status=1
$PY -m benchmarks.gpu_parity "$OUT/parity" 2>&1 | tee "$OUT/parity.txt" | tail -4 || status=1
cp "$OUT/parity/parity.json" "$OUT/parity.json" 2>/dev/null
rm -rf "$OUT/parity"
exit $status
