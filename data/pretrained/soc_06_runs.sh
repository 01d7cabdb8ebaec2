#!/usr/bin/env bash
# The CPU runs behind notebooks/06 (Sort-of-CLEVR) on the paper preset; a run goes on where it stopped.
# From the repository root:
#     MINUTES=90 bash data/pretrained/soc_06_runs.sh                 # every run, each for up to MINUTES
#     MINUTES=90 bash data/pretrained/soc_06_runs.sh paper_rn        # only the named runs
# A run stops at the end of the last epoch that fits in MINUTES (--time-budget) and goes on from its
# checkpoint (every 500 steps, in data/sort_of_clevr/runs/NAME, committed) at the next call; EPOCHS is
# its total. Each run's log is appended to data/sort_of_clevr/runs/NAME/cpu.log.
# (On a GPU, data/pretrained/gpu_run.sh runs the same commands.)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
ONLY=" $* "
DATA=data/sort_of_clevr_paper
[ -f "$DATA/train.npz" ] || $PY -m rnlib.sort_of_clevr generate --preset paper --out "$DATA" --seed 0 > /dev/null

# The PyTorch reproduction's recipe (kimhc6028/relational-networks: PyTorch's default initialization,
# BatchNorm after each ReLU, Adam 1e-4, batch 64; 89% relational after 20 epochs there), in bfloat16
# where the CPU has bf16 units (1.5x measured here; the answer softmax stays float32).
RECIPE=(--init pytorch_all --cnn-order relu_bn --lr 1e-4 --batch-size 64 --precision auto)

run() {  # run NAME ARGS...
  local name=$1; shift
  if [ "$ONLY" != "  " ] && [[ "$ONLY" != *" $name "* ]]; then return 0; fi
  local dir=data/sort_of_clevr/runs/$name
  mkdir -p "$dir"
  echo "=== $name: python -m rnlib.sort_of_clevr train --run-dir $dir --data $DATA $*  ($(date -u '+%F %H:%M:%S'))" | tee -a "$dir/cpu.log"
  $PY -m rnlib.sort_of_clevr train --run-dir "$dir" --data "$DATA" --preset paper "$@" \
      --time-budget "${MINUTES:-60}" --save-every-steps 500 --log-every 500 2>&1 \
      | grep --line-buffered -v "^E0000\|^W0000\|^I0000\|WARNING\|oneDNN\|cpu_feature\|AVX" | tee -a "$dir/cpu.log"
}

run paper_rn --model rn "${RECIPE[@]}" --epochs "${EPOCHS:-40}"
run paper_cnn_mlp --model cnn_mlp "${RECIPE[@]}" --epochs "${EPOCHS:-40}"
# The same RN without dropout before f's last layer: the reproduction's F.dropout(x) was a no-op in the
# PyTorch of 2017 (training defaulted to False before 1.0), so its README's figures were trained without it.
run paper_rn_nodrop --model rn "${RECIPE[@]}" --dropout 0 --epochs "${EPOCHS:-40}"
# The RN trained as the reproduction's README figures were, in every training setting we know of: no dropout, one
# kind of question per batch with the kinds taking turns (its training loop), PyTorch's BatchNorm momentum
# and epsilon (0.9 and 1e-5 in Keras's terms), in float32 on every machine (the reproduction's precision).
run paper_rn_2017 --model rn "${RECIPE[@]}" --precision float32 --dropout 0 --kind-batches --batchnorm pytorch \
    --epochs "${EPOCHS:-40}"
