#!/usr/bin/env bash
# One prepared check for a GPU machine, under 8 minutes: the CUDA tests, bf16 against fp32 and packed
# against padded on the tiny demo (precision in node keys, device in manifests), bench_train on the GPU (me5 and tiny), and one
# proxy TransAdv seed at full data scale (all 14,041 en / 8,323 es training sentences). Everything
# it measures goes to $OUT (default ./gpu-check-out).
# The GPU machine never sees ../shared: first run `python -m benchmarks.gpu_pack` here (CoNLL en/es,
# MUSE en-es and me5-small-trimmed's 6 proxy layers with the vocabulary they use, exact, ~60 MB into
# .carry/shared), then run this script there with `.carry` (and `.whl`) carried. Without .carry it
# reads ../shared. Runs from the repository root; on a machine without the project's
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
SHARED=${XNER_SHARED:-$( [ -d .carry/shared ] && echo "$PWD/.carry/shared" || echo "$PWD/../shared" )}
export XNER_SHARED=$SHARED XNER_DATA=$SHARED/data XNER_PROXY_ENCODER=$SHARED/models/me5-small-trimmed
status=0
$PY -m pytest -q -p no:cacheprovider tests/models/test_encoders.py tests/models/test_viterbi.py tests/train/test_steps.py \
  tests/engine/test_store_integrity.py tests/runner/test_preflight_keys.py tests/engine/test_fault_injection.py tests/data/test_batching.py \
  tests/models/test_checkpoint.py tests/stages/test_no_behaviour_change.py -rs 2>&1 \
  | tee "$OUT/pytest.txt" | tail -8 || status=1
$PY -m benchmarks.gpu_parity "$OUT/parity" 2>&1 | tee "$OUT/parity.txt" | tail -4 || status=1
cp "$OUT/parity/parity.json" "$OUT/parity.json" 2>/dev/null
rm -rf "$OUT/parity"
timeout 180 $PY -m benchmarks.bench_train --models me5,tiny --steps 8 --options packing 2>&1 | tee "$OUT/bench_train.txt" \
  | tail -10 || status=1
# one proxy TransAdv seed on the full training sets, bf16, no MLflow: wall time and F1 per node
timeout 240 $PY -m xner.core.cli run experiments/proxy/transadv.yaml --device cuda --no-track \
  --set 'seeds=[1]' --set data.max_train_sentences=null --set "store=$OUT/store" 2>&1 \
  | grep -v "Loading weights" > "$OUT/proxy_transadv.txt" || status=1
tail -4 "$OUT/proxy_transadv.txt"
$PY -m xner.core.cli store du "$OUT/store" > "$OUT/store_du.txt" 2>&1 && cat "$OUT/store_du.txt"
rm -rf "$OUT/store"
exit $status
