#!/usr/bin/env bash
# Regenerates packages/walk-forward/test/fixtures/reference/<case>/ : for each case, `mmtape walk-forward`
# runs on the demo data (apps/cli/demo-data/sp500-30, or the demo data with one file replaced), then the
# independent python reference (scripts/reference_walk_forward.py) re-derives every trade, the per-bar
# equity and the summary from the CSVs and the report's selected pairs, compares them with the report
# (max differences per field and every mismatch go to comparison.txt), and its output is stored as
# reference.json next to case.json (flags and resolved config). test/reference-parity.test.ts compares the engine with them.
#
# Run from the repository root after `pnpm install --frozen-lockfile && pnpm build`; needs /usr/bin/python3
# with numpy, pandas and statsmodels (apt-get install -y python3-statsmodels python3-pandas).
#
#   bash packages/walk-forward/scripts/generate-reference-fixtures.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT"
DEMO=apps/cli/demo-data/sp500-30
OUT=packages/walk-forward/test/fixtures/reference
CLI="node apps/cli/dist/bin.js"
REF="/usr/bin/python3 packages/walk-forward/scripts/reference_walk_forward.py"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Cases on edited data commit the one changed CSV in their folder (the rest is the demo data).
# truncated-duk: DUK without 2017-09-21 (the fill bar of a DUK/AEP entry in the default run: the fill waits a
# bar), without 2017-09-26/27 (a gap inside two open DUK trades: marks and signals hold) and without any row
# after 2017-10-13 (inside both trades: they close 'last-price').
mkdir -p "$OUT/truncated-duk"
awk -F, 'NR == 1 || ($1 <= "2017-10-13" && $1 != "2017-09-21" && $1 != "2017-09-26" && $1 != "2017-09-27")' \
  "$DEMO/DUK_data.csv" > "$OUT/truncated-duk/DUK_data.csv"
# gap-bac: BAC without 2015-03-05, the fill bar of the JPM/BAC stop-out signalled on 2015-03-04 in the
# default run: the exit waits a bar.
mkdir -p "$OUT/gap-bac"
awk -F, 'NR == 1 || $1 != "2015-03-05"' "$DEMO/BAC_data.csv" > "$OUT/gap-bac/BAC_data.csv"

# delisting-gap: the truncated DUK of truncated-duk plus AEP without 2017-10-13, DUK's last day: the DUK/AEP
# trades close 'last-price' on the last bar on which both legs have a price (2017-10-12).
mkdir -p "$OUT/delisting-gap"
cp "$OUT/truncated-duk/DUK_data.csv" "$OUT/delisting-gap/DUK_data.csv"
awk -F, 'NR == 1 || $1 != "2017-10-13"' "$DEMO/AEP_data.csv" > "$OUT/delisting-gap/AEP_data.csv"

# dataset name (= case folder holding the changed CSVs)
ingest_edited() {
  mkdir -p "$TMP/csv-$1"
  cp "$DEMO"/*.csv "$TMP/csv-$1/"
  cp "$OUT/$1"/*.csv "$TMP/csv-$1/"
  $CLI ingest "$TMP/csv-$1" --out "$TMP/ds-$1" > /dev/null
}
$CLI ingest "$DEMO" --out "$TMP/ds-demo" > /dev/null
ingest_edited truncated-duk
ingest_edited gap-bac
ingest_edited delisting-gap

# case name | dataset | CLI flags
run_case() {
  local name=$1 dataset=$2
  shift 2
  local override=()
  local replaced=()
  if [ "$dataset" != demo ]; then
    for f in "$OUT/$dataset"/*.csv; do
      override+=(--override "$f")
      replaced+=("$(basename "$f")")
    done
  fi
  mkdir -p "$OUT/$name"
  $CLI walk-forward "$TMP/ds-$dataset" --report "$TMP/report-$name" --no-cache "$@" > /dev/null
  if ! $REF --data "$DEMO" "${override[@]}" --report "$TMP/report-$name/report.json" \
    --out "$OUT/$name/reference.json" --case "$name" --flags "$*" > "$OUT/$name/comparison.txt"; then
    echo "$name" >> "$TMP/mismatched"
  fi
  head -1 "$OUT/$name/comparison.txt"
  /usr/bin/python3 - "$TMP/report-$name/report.json" "$OUT/$name/case.json" "$name" "${replaced[*]}" "$@" <<'PY'
import json, sys
report, out, name, replaced, *flags = sys.argv[1:]
config = json.load(open(report))["config"]
case = {
    "case": name,
    "data": "apps/cli/demo-data/sp500-30",
    "replacedFiles": replaced.split(),
    "flags": flags,
    "config": config,
}
with open(out, "w") as f:
    json.dump(case, f, indent=2)
    f.write("\n")
PY
}

run_case default demo
run_case execution-delay-0 demo --execution-delay 0
run_case fill-open demo --fill-price open
run_case high-costs demo --commission-bps 10 --slippage-bps 5 --borrow-bps 200
run_case top-3-bands demo --top-k 3 --entry-z 1.5 --exit-z 0.25
run_case tight-bands demo --entry-z 0.6 --exit-z 0.3 --stop-z 3
run_case expanding demo --mode expanding
run_case step-80 demo --step-bars 80
run_case autolag-aic demo --autolag aic
run_case truncated-duk truncated-duk
run_case gap-bac gap-bac
run_case delisting-gap delisting-gap

if [ -s "$TMP/mismatched" ]; then
  echo "reference and engine differ in: $(tr '\n' ' ' < "$TMP/mismatched")(see <case>/comparison.txt)"
fi
