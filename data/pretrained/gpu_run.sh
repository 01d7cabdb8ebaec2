# Train (or resume) Sort-of-CLEVR runs on a lent GPU machine that has JAX but no TensorFlow: Keras 3
# runs on JAX there. The keras, namex and optree wheels travel in .whl/ (pip download
# --python-version 3.12 ...), the default dataset (seed 0) in data/sort_of_clevr/.
#
# Usage, from the repository root:
#   bash data/pretrained/gpu_run.sh MINUTES 'NAME: TRAIN ARGUMENTS' ['NAME: TRAIN ARGUMENTS' ...]
# Each run trains in data/sort_of_clevr/runs/NAME (resuming it when it exists) for MINUTES, all runs
# side by side on the one GPU; each run directory comes back as $OUT/NAME.tar with its log.
#
# How the committed weights were made (session 2, NVIDIA H200, about 15 s per epoch per run; the
# script then wrote to runs/rn_sum, which became data/sort_of_clevr/runs/rn), in this form:
#   bash data/pretrained/gpu_run.sh 8 'rn_mean: --model rn --reduction mean' 'rn: --model rn' 'cnn_mlp: --model cnn_mlp'
#   bash data/pretrained/gpu_run.sh 3.4 'rn: --model rn'                     # 12 more epochs of the RN alone
# The first runs (rn, cnn_mlp, rn_mean, rn_reference, rn_lr1e-3, ...) are finished: their folders keep
# history, config, logs and best.keras, not their checkpoints. The runs to go on with are the paper-preset
# ones, which keep their checkpoints.
# The paper-preset runs of data/pretrained/soc_06_runs.sh go on here with the same arguments (their run
# folders are committed; --data after the script's own --data wins):
#   GENERATE="--preset paper --out data/sort_of_clevr_paper --seed 0" bash data/pretrained/gpu_run.sh 9 \
#     'paper_rn: --model rn --data data/sort_of_clevr_paper --preset paper --init pytorch_all --cnn-order relu_bn --lr 1e-4 --batch-size 64 --precision auto' \
#     'paper_cnn_mlp: --model cnn_mlp --data data/sort_of_clevr_paper --preset paper --init pytorch_all --cnn-order relu_bn --lr 1e-4 --batch-size 64 --precision auto'
# and, side by side, the reproduction's 2017 recipe (its F.dropout was a no-op in 2017's PyTorch; its 2022 log had dropout on):
#     'paper_rn_nodrop: --model rn --data data/sort_of_clevr_paper --preset paper --init pytorch_all --cnn-order relu_bn --lr 1e-4 --batch-size 64 --precision auto --dropout 0' \
#     'paper_rn_2017: --model rn --data data/sort_of_clevr_paper --preset paper --init pytorch_all --cnn-order relu_bn --lr 1e-4 --batch-size 64 --precision float32 --dropout 0 --kind-batches --batchnorm pytorch'
# (paper_rn_2017 trains as the reproduction's README runs did in 2017: no dropout, one question kind per batch,
# PyTorch's BatchNorm momentum and epsilon.)
M=${1:?minutes}; shift
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 3
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=jax XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi -L
python3 -c "import jax, keras; print('jax', jax.__version__, jax.devices(), 'keras', keras.__version__)" || exit 4
if [ -n "${GENERATE:-}" ]; then
  # shellcheck disable=SC2086  # the generate arguments are meant to split into words
  python3 -m rnlib.sort_of_clevr generate $GENERATE > "$OUT/generate.log" 2>&1 || { tail "$OUT/generate.log"; exit 5; }
fi
RUNS=data/sort_of_clevr/runs
run() { name=$1; shift
  # shellcheck disable=SC2068  # the training arguments are meant to split into words
  timeout "$(python3 -c "print(int($M * 60 + 80))")" python3 -m rnlib.sort_of_clevr train --run-dir "$RUNS/$name" \
    --epochs 100 --data data/sort_of_clevr --time-budget "$M" --save-every-steps 1000 --log-every 1000 --workers 4 $@ \
    > "$OUT/$name.log" 2>&1
  echo "$name exit $?" >> "$OUT/$name.log"; }
names=()
for spec in "$@"; do
  name=${spec%%:*}; names+=("$name")
  run "$name" ${spec#*:} &
done
sleep 60; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv; wait
for n in "${names[@]}"; do rm -rf "$RUNS/$n/tensorboard"; tar cf "$OUT/$n.tar" -C "$RUNS" "$n"; tail -3 "$OUT/$n.log"; done
ls -la "$OUT"
