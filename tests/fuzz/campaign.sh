#!/usr/bin/env bash
# Every fuzz target for a number of executions each (one million by default), JOBS at a time (each target is one
# thread), then the README's table: target, executions, seconds, corpus size, result.
#   tests/fuzz/campaign.sh BUILD_DIR [RUNS=1000000] [JOBS=cores] [TARGET...]
# BUILD_DIR is a -DONESTEP_FUZZ=ON build (tests/sanitize/run_all.sh makes one). A failing target keeps its crash
# input and log (run.sh prints where).
# The whole script is read before any of it runs (main is called on the last line): bash reads a script as it
# goes, and an edit made during a run of many minutes would otherwise change what the running copy does next.
main() {
  set -uo pipefail
  B=${1:?usage: campaign.sh BUILD_DIR [RUNS] [JOBS] [TARGET...]}
  RUNS=${2:-1000000}
  JOBS=${3:-$(nproc)}
  shift $(($# < 3 ? $# : 3))
  here=$(cd "$(dirname "$0")" && pwd)
  targets=("$@")
  [ ${#targets[@]} -gt 0 ] || targets=(npy npz idx cifar image config run_dir model model_header)
  out=$(mktemp -d)
  for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 1; done
    "$here/run.sh" "$B/tests/fuzz/fuzz_$t" "$here/corpus/${t%_header}" -runs="$RUNS" >"$out/$t" 2>&1 &
  done
  wait
  echo "| target | executions | seconds | corpus | result |"
  echo "|---|---|---|---|---|"
  fail=0
  for t in "${targets[@]}"; do
    line=$(grep '^fuzz: ' "$out/$t" | head -1)
    if [[ "$line" =~ ([0-9]+)\ executions\ in\ ([0-9]+)\ s,\ corpus\ ([0-9]+) ]]; then
      echo "| $t | ${BASH_REMATCH[1]} | ${BASH_REMATCH[2]} | ${BASH_REMATCH[3]} | no crash, leak or hang |"
    else
      echo "| $t | | | | FAILED: see below |"
      fail=1
    fi
  done
  [ "$fail" = 0 ] || cat "$out"/*
  rm -rf "$out"
  exit "$fail"
}
main "$@"
exit $?
