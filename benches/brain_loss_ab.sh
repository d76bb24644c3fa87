#!/usr/bin/env bash
# A/B of the brain's losses at equal wall time: `ce` vs `ged+ce` on level 1 with the quickstart
# model, both arms started together (so they share the machine's load), 3 minutes each, then
# scored on the level-1 val rows (a decision: the test split only reports what was kept). One thread each: with two threads each on two cores,
# `ce` made 187 steps in 3 minutes (2026-12-05). Usage: benches/brain_loss_ab.sh [OUT_DIR] [MINUTES]
set -euo pipefail
out=${1:-runs/loss_ab}; minutes=${2:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out" && cd "$out"
for arm in ce ged+ce; do
  n=${arm/+/_}
  sed -e "s/^type = \"ce\"/type = \"$arm\"\nnum_samples = 4/" -e 's/^end_level = 2/end_level = 1/' \
      -e "s/^time_limit_minutes = .*/time_limit_minutes = $minutes/" -e 's/^epochs_per_level = .*/epochs_per_level = 100/' \
      -e 's/^patience = .*/patience = 100/' -e "s|^output_dir = .*|output_dir = \"ck_$n\"|" \
      -e "s|^log_file = .*|log_file = \"ck_$n/training.log\"|" -e 's/^advance_threshold = .*/advance_threshold = 1.01/' \
      -e 's/^lr_schedule = .*/lr_schedule = "constant"/' -e 's/^val_samples = .*/val_samples = 200/' \
      -e 's/^num_threads = .*/num_threads = 1/' \
      "$repo/configs/quickstart.toml" > "ab_$n.toml"
done
uptime
python -m grapheme_lab train --config ab_ce.toml > out_ce.txt 2>&1 &
python -m grapheme_lab train --config ab_ged_ce.toml > out_ged_ce.txt 2>&1 &
wait
uptime
[ -d data/qs/val ] || python -m grapheme_lab generate --level 1 --samples 50000 --output data/qs --quiet
for n in ce ged_ce; do
  python -m grapheme_lab evaluate --model "ck_$n/final.pt" --data data/qs/val/level_1.jsonl
  python - "$n" <<'PY'
import json, sys
n = sys.argv[1]
done = [json.loads(x) for x in open(f"ck_{n}/training.log") if '"done"' in x][-1]
print(f"{n}: {done['step']} steps in {done['elapsed']:.0f} s, {done['elapsed'] / done['step']:.3f} s/step")
PY
done
