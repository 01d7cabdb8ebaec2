#!/usr/bin/env bash
# The long runs behind notebooks/07 (sim-to-real): RNs trained on synthetic NLVR-format data only,
# selected on synthetic dev only, then scored on real NLVR dev and Test-P (../shared/nlvr) at export.
# From the repository root:
#     bash data/pretrained/nlvr_07_runs.sh                    # every run
#     bash data/pretrained/nlvr_07_runs.sh objects_v2         # only the named runs
# Every run is resumable: after an interruption, the same command continues where it stopped
# (checkpoints every 200 steps in data/nlvr_runs/NAME). EPOCHS=N (PIXEL_EPOCHS=N) raises the epoch count of the object (pixel) run.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
REAL=${REAL_NLVR:-../shared/nlvr}  # real NLVR dev.json and test.json (scored at export, never trained on)
ONLY=" $* "
# The object RN's size (the RN paper's g 4 x 256, f 2 x 256), unordered pairs (half of g's work:
# g sees each pair once, i <= j), bfloat16 arithmetic where the CPU has bf16 units.
OBJECTS=(--model objects --set "g_units=[256,256,256,256]" "f_units=[256,256]" pairs=unordered --precision auto)

# The pixel RN: the course's CNN (16 cells of its feature map as objects) and the same g, f, pairs and precision as
# the object RN. 400,000 training examples are 2.4 million images (72 GB as a uint8 cache), so the training images
# are drawn per batch (--render-train); validation and test images are cached as usual.
PIXELS=(--model rn --set "g_units=[256,256,256,256]" "f_units=[256,256]" pairs=unordered --precision auto --render-train)
# The box RN (section 10's perception lever, rnlib.boxes): the pixel RN's settings with --model box_rn.
BOXES=(--model box_rn "${PIXELS[@]:2}")  # PIXELS without its --model rn

data() {  # data NAME SEED VERSION: 100,000 training sentence groups (JSON only, no images), 1,000 dev, 1,000 test
  local out=data/synthetic/$1
  [ -f "$out/COMPLETE" ] || $PY -m rnlib.data synth --out "$out" --seed "$2" --version "$3" \
      --split-groups 100000 1000 1000 --no-images --no-progress
}

machine() {  # this machine in words, for the results JSON (cores, CPU model, bfloat16 units, GPU)
  local cpu units="" gpu="no GPU"
  cpu=$(grep -m1 "model name" /proc/cpuinfo 2>/dev/null | cut -d: -f2 | xargs)
  if grep -qw amx_bf16 /proc/cpuinfo 2>/dev/null; then units=", amx_bf16"
  elif grep -qw avx512_bf16 /proc/cpuinfo 2>/dev/null; then units=", avx512_bf16"; fi
  command -v nvidia-smi >/dev/null && gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
  echo "$(nproc)-core CPU (${cpu:-unknown model}$units), ${gpu:-no GPU}"
}

run() {  # run NAME DATA ARGS...
  local name=$1 dat=data/synthetic/$2; shift 2
  if [ "$ONLY" != "  " ] && [[ "$ONLY" != *" $name "* ]]; then return 0; fi
  local cmd="python -m rnlib.nlvr train --run-dir data/nlvr_runs/$name --data $dat $*"
  echo "=== $name: $cmd  ($(date -u +%H:%M:%S))"
  $PY -m rnlib.nlvr train --run-dir "data/nlvr_runs/$name" --data "$dat" "$@" --verbose 2
  local also=(); [ -f "$REAL/dev.json" ] && also=(--also "$REAL/dev.json" "$REAL/test.json")
  $PY -m rnlib.nlvr export --run-dir "data/nlvr_runs/$name" --name "nlvr_$name" "${also[@]}" \
      --machine "$(machine)" --command-line "$cmd"
}

length() {  # length NAME LAST ARGS...: the run folder data/nlvr_runs/NAME, exported as nlvr_NAME after 4 epochs, goes on
  # one epoch at a time up to LAST with the same ARGS; the model after each epoch is scored on Test-P only, the record is
  # written to data/pretrained/nlvr_NAME_length.json, and the model selected on synthetic dev over all epochs is exported
  # as nlvr_NAME_eLAST (its one look at real dev). Stopped and called again, it goes on where it stopped.
  local name=$1 last=$2; shift 2
  local dir=data/nlvr_runs/$name
  for e in $(seq 5 "$last"); do
    [ -f "$dir/test_p_epoch$e.json" ] && continue  # this epoch is trained and scored
    $PY -m rnlib.nlvr train --run-dir "$dir" --data data/synthetic/sim2real-v4-seed1 "$@" --epochs "$e" --verbose 2
    $PY -m rnlib.nlvr evaluate --weights "$dir/last.keras" --json "$REAL/test.json" > "$dir/test_p_epoch$e.json"
  done
  $PY - "$dir" "$last" "$name" <<'PY'
import csv, json, sys
from pathlib import Path
run, last, name = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
r4 = json.loads(Path(f"data/pretrained/nlvr_{name}_results.json").read_text())
history = list(csv.DictReader(open(run / "history.csv")))
epochs = {4: next(v for k, v in r4["also"].items() if k.endswith("/test.json"))}
epochs.update({e: json.loads((run / f"test_p_epoch{e}.json").read_text()) for e in range(5, last + 1)})
out = {"run": str(run), "scored_only": "real Test-P, the model after each epoch",
       "epochs": {e: {"synthetic_dev_accuracy": float(history[e - 1]["val_accuracy"]), "seconds": float(history[e - 1]["seconds"]),
                      "test_p": {k: m[k] for k in ("accuracy", "consistency", "example_accuracy", "example_consistency", "examples")}}
                  for e, m in epochs.items()}}
Path(f"data/pretrained/nlvr_{name}_length.json").write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote data/pretrained/nlvr_{name}_length.json")
PY
  $PY -m rnlib.nlvr export --run-dir "$dir" --name "nlvr_${name}_e$last" --also "$REAL/dev.json" "$REAL/test.json" \
      --machine "$(machine)" \
      --command-line "python -m rnlib.nlvr train --run-dir $dir --data data/synthetic/sim2real-v4-seed1 $* --epochs $last"
}

decay() {  # decay FROM ARGS...: the exported model nlvr_FROM trained one more epoch at a tenth of the learning rate (3e-5)
  # in a new run folder started from its weights (--init-from; Adam's moments start afresh), exported as nlvr_FROM_decay
  local from=$1; shift
  ONLY=" ${from}_decay " run "${from}_decay" sim2real-v4-seed1 "$@" --set learning_rate=3e-5 \
      --init-from "data/pretrained/nlvr_$from.keras" --vocabulary-extra "$REAL/test.json" --epochs 1
}

# The grammar grown from Test-P's phrasings (generator version 3), 100,000 groups, seed 1. Real Test-P's
# words (not its labels) join the vocabulary. EPOCHS (default 2, the committed run: stopped there by the session's clock,
# not by a real score) is the run's total; a later call with more goes on from the checkpoint.
data sim2real-v3-seed1 1 3
run sim2real_objects sim2real-v3-seed1 "${OBJECTS[@]}" --vocabulary-extra "$REAL/test.json" --epochs "${EPOCHS:-2}"
run sim2real_pixels sim2real-v3-seed1 "${PIXELS[@]}" --vocabulary-extra "$REAL/test.json" --epochs "${PIXEL_EPOCHS:-2}"

# "Is it the relations?" (notebook 07, section 7): the same data, optimizer, batch, epochs and selection, without pairs.
# The committed pixel RN ran 4 epochs (PIXEL_EPOCHS=4) and the object RN 2. The object control got the object RN's
# 2 epochs, the CNN+LSTM and the pixel set network the pixel RN's 4. Each of those two was first exported after 2
# epochs (stopped there by a session's clock), then trained again from the start to 4 on a fresh machine, so each
# name counts two looks at real dev (protocol.dev_looks).
# objects_singles / pixels_singles: g sees one object and the question, f(sum_i g([o_i; q])) (a set network);
# cnn_lstm: no g at all, the CNN's 16 cells flattened beside the question into the same f (Suhr et al.'s CNN+RNN).
SINGLES=(--set "g_units=[256,256,256,256]" "f_units=[256,256]" pairs=singles --precision auto)
run sim2real_objects_singles sim2real-v3-seed1 --model objects "${SINGLES[@]}" --vocabulary-extra "$REAL/test.json" --epochs 2
run sim2real_pixels_singles sim2real-v3-seed1 --model rn "${SINGLES[@]}" --render-train --vocabulary-extra "$REAL/test.json" --epochs 4
run sim2real_cnn_lstm sim2real-v3-seed1 --model cnn_lstm --set "f_units=[256,256]" --precision auto --render-train \
    --vocabulary-extra "$REAL/test.json" --epochs 4

# Issue "Notebook 07, further", part 2 (the moonshot), the grammar lever: the pixel RN of sim2real_pixels, unchanged, on
# data from generator version 4 (version 3's templates and 12 more grown from Test-P phrasings; Test-P coverage of a
# 20,000-group sample 52.2% -> 62.5%, agreement 98.2%). A new name, so the committed models stay as they are; selection
# on synthetic dev, real dev scored once at export (dev_looks). About 20-25 minutes an epoch on a 2-core CPU alone.
# Only when named (bash data/pretrained/nlvr_07_runs.sh sim2real_pixels_v2): notebook 07's TRAIN does not run it.
if [[ "$ONLY" == *" sim2real_pixels_v2 "* ]]; then
  data sim2real-v4-seed1 1 4
  run sim2real_pixels_v2 sim2real-v4-seed1 "${PIXELS[@]}" --vocabulary-extra "$REAL/test.json" --epochs 4
fi

# Part 2's second lever, training length: sim2real_pixels_v2's run folder, after its export, goes on one epoch at a time
# up to V2_EPOCHS (default 8; constant learning rate, same settings), and each epoch's model is scored on Test-P only
# (the development set): data/pretrained/nlvr_sim2real_pixels_v2_length.json, read by notebook 07's section 10. Then
# the model selected on synthetic dev over all epochs is exported as a new name, nlvr_sim2real_pixels_v2_e{V2_EPOCHS},
# its one look at real dev (the committed e6 and e8 are two such calls: V2_EPOCHS=6, then 8). It goes on in the run
# folder that the block above leaves (name both: bash data/pretrained/nlvr_07_runs.sh sim2real_pixels_v2
# sim2real_pixels_v2_length); about 20-25 minutes an epoch on a 2-core CPU alone.
# Only when named (bash data/pretrained/nlvr_07_runs.sh sim2real_pixels_v2_length).
if [[ "$ONLY" == *" sim2real_pixels_v2_length "* ]]; then
  data sim2real-v4-seed1 1 4
  length sim2real_pixels_v2 "${V2_EPOCHS:-8}" "${PIXELS[@]}" --vocabulary-extra "$REAL/test.json"
fi

# Part 2's third lever, the learning rate: the length lever's model (nlvr_sim2real_pixels_v2_e8, constant learning rate
# 3e-4 for 8 epochs) trained one more epoch at a tenth of it (3e-5), in a new run folder started from its weights
# (--init-from; Adam's moments start afresh). Chosen before any look at its scores: one epoch, a tenth. Selection on
# synthetic dev, Test-P and dev scored at export (one dev look). About 25 minutes on a 2-core CPU alone.
# Only when named (bash data/pretrained/nlvr_07_runs.sh sim2real_pixels_v2_decay).
if [[ "$ONLY" == *" sim2real_pixels_v2_decay "* ]]; then
  data sim2real-v4-seed1 1 4
  DECAY=("${PIXELS[@]}" --set learning_rate=3e-5 --init-from data/pretrained/nlvr_sim2real_pixels_v2_e8.keras)
  run sim2real_pixels_v2_decay sim2real-v4-seed1 "${DECAY[@]}" --vocabulary-extra "$REAL/test.json" --epochs 1
fi

# The same learning-rate step after a longer run: the length lever's model nlvr_sim2real_pixels_v2_e{V2_EPOCHS} (run the
# length block with the same V2_EPOCHS first) trained one more epoch at 3e-5 in a new run folder, exactly as the block
# above does for e8. Exported as nlvr_sim2real_pixels_v2_e{V2_EPOCHS}_decay (one dev look). The committed e11 model:
# V2_EPOCHS=11 bash data/pretrained/nlvr_07_runs.sh sim2real_pixels_v2_length sim2real_pixels_v2_long_decay
# Only when named (bash data/pretrained/nlvr_07_runs.sh sim2real_pixels_v2_long_decay).
if [[ "$ONLY" == *" sim2real_pixels_v2_long_decay "* ]]; then
  data sim2real-v4-seed1 1 4
  decay "sim2real_pixels_v2_e${V2_EPOCHS:-8}" "${PIXELS[@]}"
fi

# Part 2's fourth lever, perception: the box RN (--model box_rn, rnlib.boxes): the three boxes cut out, one CNN per box
# (the seed CNN with pools 4 and 4: a 3 x 3 grid of 16-pixel cells per box, where the 2 x 8 grid's 24-pixel cells ignore the
# boxes), g_theta on the pairs inside a box only (45 unordered pairs a box, 135 in all, the 2 x 8 grid's
# 136), f_phi's first layer per box, the box sum, then the rest of f_phi. Every other setting, the data (version 4) and
# the 4 epochs are those of sim2real_pixels_v2, so the two compare at equal budget. Chosen before any score of it was
# seen. Selection on synthetic dev; Test-P and dev scored at export (one dev look).
# Only when named (bash data/pretrained/nlvr_07_runs.sh sim2real_pixels_boxes).
if [[ "$ONLY" == *" sim2real_pixels_boxes "* ]]; then
  data sim2real-v4-seed1 1 4
  run sim2real_pixels_boxes sim2real-v4-seed1 "${BOXES[@]}" --vocabulary-extra "$REAL/test.json" --epochs "${BOX_EPOCHS:-4}"
fi

# The first two levers again, for the box RN: its run folder (the block above, 4 epochs) goes on one epoch at a time to
# BOX_LONG_EPOCHS (default 11, the grid's committed length), Test-P only after each epoch
# (data/pretrained/nlvr_sim2real_pixels_boxes_length.json), and the model selected on synthetic dev is exported as
# nlvr_sim2real_pixels_boxes_e{BOX_LONG_EPOCHS}; then, exactly as for the grid's e11, one more epoch at a tenth of the
# learning rate from that model (--init-from, a new run folder), exported as nlvr_sim2real_pixels_boxes_e{N}_decay. Both
# steps and their settings were fixed before any score of them was seen; one dev look each. About 13 minutes an epoch
# on a 2-core Intel Xeon with amx_bf16, alone. The committed models:
# bash data/pretrained/nlvr_07_runs.sh sim2real_pixels_boxes sim2real_pixels_boxes_length sim2real_pixels_boxes_long_decay
if [[ "$ONLY" == *" sim2real_pixels_boxes_length "* || "$ONLY" == *" sim2real_pixels_boxes_long_decay "* ]]; then
  data sim2real-v4-seed1 1 4
  last=${BOX_LONG_EPOCHS:-11}
  if [[ "$ONLY" == *" sim2real_pixels_boxes_length "* ]]; then
    length sim2real_pixels_boxes "$last" "${BOXES[@]}" --vocabulary-extra "$REAL/test.json"
  fi
  if [[ "$ONLY" == *" sim2real_pixels_boxes_long_decay "* ]]; then
    decay "sim2real_pixels_boxes_e$last" "${BOXES[@]}"
  fi
fi
