#!/usr/bin/env bash
# The long runs behind notebooks/05_overfitting_diagnosis.ipynb, one command each (objects_01000 ran last)
# (2-core CPU, no GPU). Each run trains into data/nlvr_runs/NAME and is exported to
# data/pretrained/nlvr_NAME.{keras,_results.json,_curves.png} (scored on real NLVR dev too when
# ../shared/nlvr is there). From the repository root:
#     bash data/pretrained/nlvr_05_runs.sh              # every run
#     bash data/pretrained/nlvr_05_runs.sh size_04000   # only the named runs
# Every run is resumable: after an interruption, the same command continues where it stopped.
#
# Budget rule, the same for every run here: 2,500 optimizer steps of 64 = 160,000 training images
# (one random box order per example per pass: the 6 box orders are augmentation, not 6 copies). A
# small training set is repeated within an epoch (--repeats) so that every epoch is 16,000 images or
# more; the model kept is the epoch with the best synthetic-dev accuracy (early stopping as selection).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
DATA=data/synthetic/sizes-seed0  # 20,000 training sentence groups; the first N make each training set
REAL_DEV=../shared/nlvr/dev.json
ONLY=" $* "
[ -f "$DATA/COMPLETE" ] || $PY -m rnlib.data synth --out "$DATA" --seed 0 --split-groups 20000 300 300 --no-images --no-progress

run() {  # run NAME ARGS...
  local name=$1; shift
  if [ "$ONLY" != "  " ] && [[ "$ONLY" != *" $name "* ]]; then return 0; fi
  local cmd="python -m rnlib.nlvr train --run-dir data/nlvr_runs/$name --data $DATA $*"
  echo "=== $name: $cmd  ($(date -u +%H:%M:%S))"
  $PY -m rnlib.nlvr train --run-dir "data/nlvr_runs/$name" --data "$DATA" "$@" --verbose 0
  local also=(); [ -f "$REAL_DEV" ] && also=(--also "$REAL_DEV")
  $PY -m rnlib.nlvr export --run-dir "data/nlvr_runs/$name" --name "nlvr_$name" "${also[@]}" \
      --machine "2-core CPU (no GPU)" --command-line "$cmd"
}

# Section 5, how much data the RN needs: the course RN on the first N sentence groups (4 examples each).
run size_01000 --train-groups 1000 --repeats 4 --epochs 10
run size_04000 --train-groups 4000 --epochs 10
run size_00250 --train-groups 250 --repeats 16 --epochs 10
run size_10000 --train-groups 10000 --epochs 4
run size_20000 --train-groups 20000 --epochs 2
# Section 3, leakage: the same model and budget, validated on a random 20% of the training examples.
run leak_01000 --train-groups 1000 --repeats 5 --epochs 10 --random-split  # 3,200 training examples x 5 = 16,000 per epoch
# Section 6, seeing or reasoning: the same RN on the true objects, at NLVR size and the largest size.
run objects_04000 --model objects --train-groups 4000 --epochs 10
run objects_20000 --model objects --train-groups 20000 --epochs 2
# ... and where the pixel RN overfits at this budget (1,000 groups, gap +0.18): does the object RN too?
run objects_01000 --model objects --train-groups 1000 --repeats 4 --epochs 10
# Section 8, regularization, each against size_01000 (f dropout 0.5, Adam without weight decay, g 3 x 128, no flips); decay is AdamW's decoupled 0.1.
run nodropout_01000 --train-groups 1000 --repeats 4 --epochs 10 --set f_dropout=0
run decay_01000 --train-groups 1000 --repeats 4 --epochs 10 --set weight_decay=0.1
run smallg_01000 --train-groups 1000 --repeats 4 --epochs 10 --set "g_units=[64,64]"
run flip_01000 --train-groups 1000 --repeats 4 --epochs 10 --augment flip

# Section 5's two result files (seconds each, no training): the generator's programs on real NLVR, and the curve.
if [ "$ONLY" = "  " ] || [[ "$ONLY" == *" summaries "* ]]; then
  [ -f "$REAL_DEV" ] && $PY -m rnlib.diagnosis fidelity --synthetic "$DATA/train/train.json" \
      --real "$REAL_DEV" ../shared/nlvr/test.json --json data/pretrained/nlvr_generator_fidelity.json
  $PY -m rnlib.diagnosis curve --results data/pretrained/nlvr_size_*_results.json \
      --budget "the same 2,500 optimizer steps of 64 examples (160,000 training images) for every size; the epoch with the best synthetic-dev accuracy kept" \
      --json data/pretrained/nlvr_data_size_curve.json
fi
