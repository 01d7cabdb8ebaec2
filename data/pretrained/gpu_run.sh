# Train (or resume) Sort-of-CLEVR runs on a lent GPU machine that has JAX but no TensorFlow: Keras 3
# runs on JAX there. The keras, namex and optree wheels travel in .whl/ (pip download
# --python-version 3.12 ...), the default dataset (seed 0) in data/sort_of_clevr/.
#
# Usage, from the repository root:
#   bash data/pretrained/gpu_run.sh MINUTES 'NAME: TRAIN ARGUMENTS' ['NAME: TRAIN ARGUMENTS' ...]
# Each run trains in data/sort_of_clevr/runs/NAME (resuming it when it exists) for MINUTES, all runs
# side by side on the one GPU; each run directory comes back as $OUT/NAME.tar with its log.
#
# How the committed extended-preset weights were made (session 2, NVIDIA H200, about 15 s per epoch per run):
#   bash data/pretrained/gpu_run.sh 8 'rn_mean: --model rn --reduction mean' 'rn: --model rn' 'cnn_mlp: --model cnn_mlp'
#   bash data/pretrained/gpu_run.sh 3.4 'rn: --model rn'                     # 12 more epochs of the RN alone
# Those runs and the paper-preset runs are finished or abandoned: their folders were removed from the repository
# (data/pretrained/sort_of_clevr_earlier_attempts.csv keeps their settings and results). One run keeps its
# checkpoint, for a GPU to decide it (notebook 06, appendix): paper_rn_2017, the paper preset trained as the
# PyTorch reproduction's README runs were in 2017 (no dropout, one question kind per batch, PyTorch's BatchNorm
# constants), 12 float32 epochs on a CPU, still at the colour-blind plateau. To go on with it to epoch 20:
#   GENERATE="--preset paper --out data/sort_of_clevr_paper --seed 0" bash data/pretrained/gpu_run.sh 9 \
#     'paper_rn_2017: --model rn --data data/sort_of_clevr_paper --preset paper --init pytorch_all --cnn-order relu_bn --lr 1e-4 --batch-size 64 --precision float32 --dropout 0 --kind-batches --batchnorm pytorch --epochs 20'
# (--data and --epochs after the script's own win.) The course preset's runs (data/pretrained/soc_06_course_runs.sh)
# go through the same script with their own arguments and --data data/sort_of_clevr_course.
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
