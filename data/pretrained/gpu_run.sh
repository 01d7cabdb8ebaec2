# Sort-of-CLEVR training on the lent GPU machine (no TensorFlow there: Keras 3 on JAX).
# Usage (device tool): bash gpu_run.sh MINUTES   with carry .whl data/sort_of_clevr/train.npz data/sort_of_clevr/test.npz
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
