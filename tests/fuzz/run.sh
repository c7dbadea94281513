#!/usr/bin/env bash
# Runs one libFuzzer target from its seed corpus, which it reads but never changes (new inputs go to a scratch
# corpus), and prints one line: the target, the executions, the seconds, the corpus size and the result.
#   tests/fuzz/run.sh build-fuzz/tests/fuzz/fuzz_npy tests/fuzz/corpus/npy -max_total_time=30
#   tests/fuzz/run.sh build-fuzz/tests/fuzz/fuzz_npy tests/fuzz/corpus/npy -runs=1000000
# Any further libFuzzer flag passes through. A crash, leak, timeout (10 s) or out-of-memory (2 GB) fails the run,
# and the input that caused it is kept as WORK/crash-* (WORK is printed; FUZZ_WORK chooses it).
# The whole script is read before any of it runs (main is called on the last line): bash reads a script as it
# goes, and an edit made during a run of many minutes would otherwise change what the running copy does next.
main() {
  set -uo pipefail
  TARGET=${1:?usage: run.sh FUZZ_TARGET SEED_CORPUS [libFuzzer flags]}
  SEEDS=${2:?usage: run.sh FUZZ_TARGET SEED_CORPUS [libFuzzer flags]}
  shift 2
  name=$(basename "$TARGET")
  WORK=${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")}
  mkdir -p "$WORK/corpus"
  log="$WORK/log"
  # LibTorch keeps some allocations for the life of the process (thread pools, registries); leaks are judged on what
  # the project allocates.
  export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")/../sanitize" && pwd)/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
  # Sanitizer reports go to files (shown on a failure): a decoder's stderr is silenced while it runs (data/folder.cpp).
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_odr_violation=0}:log_path=$WORK/sanitizer"
  # OpenCV allocates a whole image before it reads a pixel, up to 2^30 pixels by default: a header of a few bytes
  # would pass the 2 GB limit below. Real dataset images are far smaller; this caps what the decoders will take.
  export OPENCV_IO_MAX_IMAGE_PIXELS=${OPENCV_IO_MAX_IMAGE_PIXELS:-16777216}
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}:log_path=$WORK/sanitizer"
  "$TARGET" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$WORK/" -print_final_stats=1 "$@" \
    "$WORK/corpus" "$SEEDS" >"$log" 2>&1
  rc=$?
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  secs=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE 'in [0-9]+' | grep -oE '[0-9]+' | tail -1)
  corpus=$(find "$WORK/corpus" "$SEEDS" -type f | wc -l)
  if [ "$rc" -eq 0 ]; then
    echo "fuzz: $name: ${runs:-?} executions in ${secs:-?} s, corpus $corpus inputs, no crash, leak or hang (work: $WORK)"
    [ -n "${FUZZ_WORK:-}" ] || rm -rf "$WORK"
  else
    echo "fuzz: $name FAILED (exit $rc) after ${runs:-?} executions; log and input in $WORK"
    grep -hE 'ERROR|SUMMARY|terminate|what\(\)|runtime error|==[0-9]+==' "$log" "$WORK"/sanitizer.* 2>/dev/null | head -20
    ls "$WORK" | grep -E '^(crash|leak|timeout|oom)-' | sed "s|^|  $WORK/|"
  fi
  exit "$rc"
}
main "$@"
exit $?
