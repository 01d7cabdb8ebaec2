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
# The course preset draws 14 px objects (the ladder's round 3 found that lever). The state models and the ladder's
# runs before it were made on the preset's first pictures, 10 px objects 15 px apart: generate --object-size 10.
DATA=data/sort_of_clevr_course
DATA10=data/sort_of_clevr_course_10px
RUNS=${RUNS:-$DATA/runs}
[ -f "$DATA/train.npz" ] || "$PY" -m rnlib.sort_of_clevr generate --preset course --seed 0 --out "$DATA"
[ -f "$DATA10/train.npz" ] || "$PY" -m rnlib.sort_of_clevr generate --preset course --seed 0 --object-size 10 \
  --out "$DATA10"

# The first recipe (the ladder's first run): Adam warmed up linearly to 1e-3 over 500 batches, then a cosine decay
# to 1% of the peak at the last batch (the state models warm up over 1,000 batches); no dropout; the course CNN (4 x 4
# cells) with each pixel's row and column as two more input channels; the RN on unordered pairs. The ladder then
# raised the peak to 3e-3 (round 1) and, with 14 px objects, passed (round 3): section 4's recipe.
RECIPE="--lr 1e-3 --warmup-steps 500 --cosine --dropout 0"
PIXELS="--cnn course --coordinate-input"

train() { name=$1; shift
  mkdir -p "$RUNS/$name"
  # shellcheck disable=SC2068
  "$PY" -m rnlib.sort_of_clevr train --run-dir "$RUNS/$name" --data "$DATA" --log-every 500 $@ 2>&1 \
    | grep --line-buffered -v "^[WI]0000\|absl::InitializeLog" | tee -a "$RUNS/$name/train.log"; }

case "${1:?state, ladder, pixels or export}" in
state)  # on the 10 px pictures' scenes: the state models read positions and shapes, never the pictures
  DATA=$DATA10 train state_rn --model rn_state --epochs 8 $RECIPE --warmup-steps 1000
  DATA=$DATA10 train state_mlp --model mlp_state --epochs 8 $RECIPE --warmup-steps 1000 ;;
ladder)  # one change at a time from the recipe, on the non-relational questions only, 4 epochs of 98,000 questions
  # (rounds 1 to 3 on the 10 px pictures, the object-size rung on the preset's 14 px ones)
  DATA=$DATA10
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
  K4="--kinds non_relational --epochs 4"
  train nonrel_rn_relu_bn --model rn --pairs unordered $PIXELS $K4 $RECIPE --lr 3e-3 --cnn-order relu_bn
  train nonrel_rn_12_epochs --model rn --pairs unordered $PIXELS --kinds non_relational --epochs 12 $RECIPE --lr 3e-3
  DATA=data/sort_of_clevr_course train nonrel_rn_objects_14px --model rn --pairs unordered $PIXELS $K4 $RECIPE --lr 3e-3 ;;
pixels)  # the recipe that passed the ladder, on the 14 px pictures. First tried on all questions from the start
  # (rn_14px: still at the answer prior on binary questions after 2 of its 4 epochs, stopped); then as a curriculum,
  # the ladder's own run first: each model trained on the non-relational questions alone (4 epochs of 98,000,
  # the object-size rung for the RN), then on all questions (2 epochs of 196,000) from those weights, peak 3e-3 both
  # times; then stages 3 and 4 below
  train rn_14px --model rn --pairs unordered $PIXELS --epochs 4 $RECIPE --lr 3e-3
  train rn_14px_curriculum --model rn --pairs unordered $PIXELS --epochs 2 $RECIPE --lr 3e-3 \
    --init-from "$RUNS/nonrel_rn_objects_14px/best.keras"
  train nonrel_cnn_mlp_objects_14px --model cnn_mlp $PIXELS --kinds non_relational --epochs 4 $RECIPE --lr 3e-3
  train cnn_mlp_14px_curriculum --model cnn_mlp $PIXELS --epochs 2 $RECIPE --lr 3e-3 \
    --init-from "$RUNS/nonrel_cnn_mlp_objects_14px/best.keras"
  # (a longer stage 2, 3 epochs instead of 2, added under a point to the binary validation accuracy: listed, not used)
  train rn_14px_curriculum_3_epochs --model rn --pairs unordered $PIXELS --epochs 3 $RECIPE --lr 3e-3 \
    --init-from "$RUNS/nonrel_rn_objects_14px/best.keras"
  # stage 3, the same for both: the binary questions alone (the RN had solved the non-relational ones, 1.000 on
  # validation, and a binary-only epoch costs half a mixed one), 12 epochs of 98,000, peak 1e-3, from stage 2's weights.
  # It taught the RN closest and furthest but made it forget the non-relational answers (`evaluate --weights
  # $RUNS/rn_14px_curriculum_stage3/best.keras --seed 1 --images 200`: non-relational 0.196, far below the answer
  # prior), so stage 4 mixes all questions again for 1 epoch of 196,000, peak 1e-3.
  # (The session that ran stages 3 and 4 no longer had stage 2's run folders: it put the stage-2 models exported at
  # commit c462042, the weights of those runs' best epochs, at $RUNS/{rn,cnn_mlp}_14px_curriculum/best.keras first:
  #   git show c462042:data/pretrained/sort_of_clevr_course_rn.keras > $RUNS/rn_14px_curriculum/best.keras)
  train rn_14px_curriculum_stage3 --model rn --pairs unordered $PIXELS --kinds binary --epochs 12 $RECIPE \
    --init-from "$RUNS/rn_14px_curriculum/best.keras"
  train cnn_mlp_14px_curriculum_stage3 --model cnn_mlp $PIXELS --kinds binary --epochs 12 $RECIPE \
    --init-from "$RUNS/cnn_mlp_14px_curriculum/best.keras"
  train rn_14px_curriculum_stage4 --model rn --pairs unordered $PIXELS --epochs 1 $RECIPE \
    --init-from "$RUNS/rn_14px_curriculum_stage3/best.keras"
  train cnn_mlp_14px_curriculum_stage4 --model cnn_mlp $PIXELS --epochs 1 $RECIPE \
    --init-from "$RUNS/cnn_mlp_14px_curriculum_stage3/best.keras" ;;
export)  # RUN:NAME:DATA
  for triple in "rn_14px_curriculum_stage4:sort_of_clevr_course_rn:$DATA" \
                "cnn_mlp_14px_curriculum_stage4:sort_of_clevr_course_cnn_mlp:$DATA" \
                "state_rn:sort_of_clevr_course_state_rn:$DATA10" "state_mlp:sort_of_clevr_course_state_mlp:$DATA10"; do
    IFS=: read -r run name data <<< "$triple"
    "$PY" -m rnlib.sort_of_clevr export --run-dir "$RUNS/$run" --name "$name" --data "$data" \
      --seed 1 --images 1000 --machine "${MACHINE:-CPU (2 cores)}" 2>&1 | grep -v "^[WI]0000\|absl::InitializeLog" | tail -1
  done
  "$PY" -m rnlib.sort_of_clevr ladder --runs "$RUNS" --out data/pretrained/sort_of_clevr_course_ladder.csv \
    nonrel_rn_recipe nonrel_rn_wide_cnn nonrel_rn_lr3e-3 nonrel_rn_long nonrel_rn_6_epochs \
    nonrel_rn_relu_bn nonrel_rn_12_epochs nonrel_rn_objects_14px
  "$PY" -m rnlib.sort_of_clevr ladder --runs "$RUNS" --out data/pretrained/sort_of_clevr_course_pixel_runs.csv \
    rn_14px nonrel_rn_objects_14px rn_14px_curriculum rn_14px_curriculum_3_epochs rn_14px_curriculum_stage3 \
    rn_14px_curriculum_stage4 nonrel_cnn_mlp_objects_14px cnn_mlp_14px_curriculum cnn_mlp_14px_curriculum_stage3 \
    cnn_mlp_14px_curriculum_stage4 ;;
*) echo "unknown step $1: state, ladder, pixels or export" >&2; exit 2 ;;
esac
