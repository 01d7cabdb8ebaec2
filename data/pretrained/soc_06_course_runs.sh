# The Sort-of-CLEVR runs of notebook 06 (preset `course`), as they were made on a 2-core CPU.
#
# Usage, from the repository root (each run resumes when its folder exists; rerun to go on):
#   bash data/pretrained/soc_06_course_runs.sh state     # section 2: the state RN and the state MLP
#   bash data/pretrained/soc_06_course_runs.sh ladder    # section 3: the failing step alone (non-relational only)
#   bash data/pretrained/soc_06_course_runs.sh pixels    # section 4: the pixel RN and the CNN+MLP
#   bash data/pretrained/soc_06_course_runs.sh export    # the four models -> data/pretrained, the ladder -> its CSV
# PYTHON (default python3) runs the commands; RUNS (default data/sort_of_clevr_course/runs) holds the run folders.
set -euo pipefail
PY=${PYTHON:-python3}
DATA=data/sort_of_clevr_course
RUNS=${RUNS:-$DATA/runs}
[ -f "$DATA/train.npz" ] || "$PY" -m rnlib.sort_of_clevr generate --preset course --seed 0 --out "$DATA"

# The recipe that passed the ladder (section 3): Adam warmed up linearly to 1e-3 over 500 batches, then a
# cosine decay to 1e-5 at the last batch (the state models warm up over 1,000 batches); no dropout; the course CNN (4 x 4 cells) with each pixel's row and
# column as two more input channels; the RN on unordered pairs.
RECIPE="--lr 1e-3 --warmup-steps 500 --cosine --dropout 0"
PIXELS="--cnn course --coordinate-input"

train() { name=$1; shift
  mkdir -p "$RUNS/$name"
  # shellcheck disable=SC2068
  "$PY" -m rnlib.sort_of_clevr train --run-dir "$RUNS/$name" --data "$DATA" --log-every 500 $@ 2>&1 \
    | grep --line-buffered -v "^[WI]0000\|absl::InitializeLog" | tee -a "$RUNS/$name/train.log"; }

case "${1:?state, ladder, pixels or export}" in
state)
  train state_rn --model rn_state --epochs 8 $RECIPE --warmup-steps 1000
  train state_mlp --model mlp_state --epochs 8 $RECIPE --warmup-steps 1000 ;;
ladder)  # one change at a time from the recipe, on the non-relational questions only, 4 epochs of 98,000 questions
  # (the session that made them stopped the wide CNN after its first epoch, well below the recipe's first epoch,
  # so that the CPU hours could go to section 4; the other two ran their 4 epochs, with pauses)
  K="--kinds non_relational --epochs 4"
  train nonrel_rn_recipe --model rn --pairs unordered $PIXELS $K $RECIPE
  train nonrel_rn_wide_cnn --model rn --pairs unordered $PIXELS $K $RECIPE --filters 32,64,128,256
  train nonrel_rn_lr3e-3 --model rn --pairs unordered $PIXELS $K $RECIPE --lr 3e-3
  # round 2, from round 1's best (peak 3e-3): the cosine over 6 epochs, in mixed bfloat16, then in float32 (the session
  # that made them stopped the float32 run after its first epoch, for notebook 07's controls)
  K6="--kinds non_relational --epochs 6"
  train nonrel_rn_long --model rn --pairs unordered $PIXELS $K6 $RECIPE --lr 3e-3 --precision mixed_bfloat16
  train nonrel_rn_6_epochs --model rn --pairs unordered $PIXELS $K6 $RECIPE --lr 3e-3
  # round 3, from round 1's best again, one change each, in float32: BatchNorm after the ReLU in each CNN block
  # (the reproduction's order); the same run trained three times as long (12 epochs, the cosine spread over them);
  # every object 14 px instead of 10 (squares and circles, placed 21 px apart: generate --object-size 14)
  [ -f "${DATA}_14/train.npz" ] || "$PY" -m rnlib.sort_of_clevr generate --preset course --seed 0 --object-size 14 \
    --out "${DATA}_14"
  K4="--kinds non_relational --epochs 4"
  train nonrel_rn_relu_bn --model rn --pairs unordered $PIXELS $K4 $RECIPE --lr 3e-3 --cnn-order relu_bn
  train nonrel_rn_12_epochs --model rn --pairs unordered $PIXELS --kinds non_relational --epochs 12 $RECIPE --lr 3e-3
  DATA="${DATA}_14" train nonrel_rn_objects_14px --model rn --pairs unordered $PIXELS $K4 $RECIPE --lr 3e-3 ;;
pixels)  # the same questions, the same schedule for both
  E=${EPOCHS:-5}
  train rn --model rn --pairs unordered $PIXELS --epochs "$E" $RECIPE
  train cnn_mlp --model cnn_mlp $PIXELS --epochs "$E" $RECIPE ;;
export)
  for pair in "rn:sort_of_clevr_course_rn" "cnn_mlp:sort_of_clevr_course_cnn_mlp" \
              "state_rn:sort_of_clevr_course_state_rn" "state_mlp:sort_of_clevr_course_state_mlp"; do
    "$PY" -m rnlib.sort_of_clevr export --run-dir "$RUNS/${pair%%:*}" --name "${pair#*:}" --data "$DATA" \
      --seed 1 --images 1000 --machine "${MACHINE:-CPU (2 cores)}" 2>&1 | grep -v "^[WI]0000\|absl::InitializeLog" | tail -1
  done
  "$PY" -m rnlib.sort_of_clevr ladder --runs "$RUNS" --out data/pretrained/sort_of_clevr_course_ladder.csv \
    nonrel_rn_recipe nonrel_rn_wide_cnn nonrel_rn_lr3e-3 nonrel_rn_long nonrel_rn_6_epochs \
    nonrel_rn_relu_bn nonrel_rn_12_epochs nonrel_rn_objects_14px ;;
*) echo "unknown step $1: state, ladder, pixels or export" >&2; exit 2 ;;
esac
