#!/usr/bin/env bash
# A/B of two revisions of the package on one config at equal wall time: both trained at once
# (so they share the machine, its GPU included), then each scored on every level's val split
# (an A/B is a decision: the test split is only for reporting what was kept, docs/training.md). A is the `python/` tree of REV (a git revision), B the working tree; the compiled
# core is the working tree's for both (so REV must not differ in rust/).
# Usage: benches/brain_config_ab.sh REV CONFIG MINUTES [OUT_DIR]
#   e.g. benches/brain_config_ab.sh b24039b configs/full.toml 6 runs/level7_ab
# Needs `generate --all-levels --output data/generated` first (the config's train_data).
set -uo pipefail
rev=$1; config=$2; minutes=$3; out=${4:-runs/config_ab}
repo=$(cd "$(dirname "$0")/.." && pwd)
[[ $config = /* ]] || config=$repo/$config
data=$repo/data/generated
[ -f "$data/manifest.json" ] || { echo "no $data: run generate --all-levels --output data/generated" >&2; exit 1; }
mkdir -p "$out/a/python" "$out/b" && out=$(cd "$out" && pwd)
git -C "$repo" archive "$rev" python | tar -x -C "$out/a"
cp "$repo"/python/grapheme_lab/_core*.so "$out/a/python/grapheme_lab/"
export PYTHONUNBUFFERED=1

arm() {  # name, python tree
  local d=$out/$1
  mkdir -p "$d/configs" && ln -sfn "$data" "$d/gen"
  sed -e "s/^time_limit_minutes = .*/time_limit_minutes = $minutes/" -e 's|^train_data = .*|train_data = "gen"|' \
      "$config" > "$d/configs/ab.toml"
  cd "$d" || return
  local start; start=$(date +%s)
  PYTHONPATH=$2 python -m grapheme_lab train --config configs/ab.toml --verbose > train.out 2>&1
  echo "train rc=$? wall $(( $(date +%s) - start )) s" >> train.out
  local ckpt; ckpt=$(sed -n 's/^output_dir = "\(.*\)"/\1/p' configs/ab.toml)/final.pt
  # `validate --model`, not `evaluate`: the older commit under comparison may not know `evaluate`;
  # the table's level lines only (a newer one prints notes under the table)
  for f in gen/val/level_*.jsonl; do
    PYTHONPATH=$2 python -m grapheme_lab validate --model "$ckpt" --data "$f" | grep -E '^ +[0-9]+ '
  done > validate.out
  echo "total wall $(( $(date +%s) - start )) s" >> validate.out
}
arm a "$out/a/python" &
arm b "$repo/python" &
wait
for x in a b; do
  echo "== $x ($([ $x = a ] && echo "$rev" || echo "working tree"))"
  grep -E "Advancing|Moving on|Time limit|rc=" "$out/$x/train.out"
  cat "$out/$x/validate.out"
done
