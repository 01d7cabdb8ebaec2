# How the committed Sort-of-CLEVR runs were trained: on a lent GPU machine (NVIDIA H200) that has JAX
# but no TensorFlow, so Keras 3 ran on JAX. The keras, namex and optree wheels travelled in .whl/
# (pip download --python-version 3.12 ...), the default dataset (seed 0) in data/sort_of_clevr/.
# Usage, from the repository root: bash data/pretrained/gpu_run.sh MINUTES
# Three runs share the GPU for MINUTES each (15 s per epoch each on the H200). Afterwards runs/rn_sum
# became data/sort_of_clevr/runs/rn (resumed alone for 12 more epochs with the same train command and
# --run-dir data/sort_of_clevr/runs/rn), runs/rn_mean and runs/cnn_mlp kept their names.
M=${1:-8}
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 3
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=jax XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p $OUT
nvidia-smi -L
python3 -c "import jax, keras; print('jax', jax.__version__, jax.devices(), 'keras', keras.__version__)" || exit 4
run() { name=$1; shift
  timeout $(python3 -c "print(int($M * 60 + 80))") python3 -m rnlib.sort_of_clevr train --run-dir runs/$name --epochs 100 \
    --data data/sort_of_clevr --time-budget $M --save-every-steps 1000 --log-every 1000 --workers 4 "$@" > $OUT/$name.log 2>&1
  echo "$name exit $?" >> $OUT/$name.log; }
run rn_mean --model rn --reduction mean &
run rn_sum --model rn --reduction sum &
run cnn_mlp --model cnn_mlp &
sleep 60; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv; wait
for n in rn_mean rn_sum cnn_mlp; do rm -rf runs/$n/tensorboard; tar cf $OUT/$n.tar -C runs $n; tail -3 $OUT/$n.log; done
ls -la $OUT
