#!/usr/bin/env bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer, and the fuzz targets, in one clang build
# (-DONESTEP_FUZZ=ON, which implies -DONESTEP_SANITIZE=ON; the studio is left out: Qt is not instrumented).
#   tests/sanitize/run_all.sh [BUILD_DIR]          every engine, CLI and fuzz test (fuzz: 30 s each); 45 min of tests on 2 cores
#   tests/sanitize/run_all.sh --ci [--teacher DIR] [BUILD_DIR]
#                                                  what CI runs: the engine's and the CLI's unit tests but the long
#                                                  training ones, two at a time, and a 20-second smoke run of each
#                                                  fuzz target; --teacher: the 8-Gaussians teacher run that a build's
#                                                  ctest trained (build/tests/engine/fixtures/teacher-8g) stands in
#                                                  for the one the sanitized build would train again
# Any sanitizer report fails the test it happens in (halt_on_error); leaks whose allocation passes through LibTorch,
# OpenMP or OpenCV are not reported (tests/sanitize/lsan.supp: they keep allocations for the life of a process).
set -euo pipefail
cd "$(dirname "$0")/../.."
CI=0
TEACHER=""
if [ "${1:-}" = "--ci" ]; then
  CI=1
  shift
  if [ "${1:-}" = "--teacher" ]; then
    TEACHER=$(cd "${2:?--teacher DIR: the teacher run}" && pwd)
    [ -f "$TEACHER/config.json" ] || { echo "run_all.sh: --teacher $TEACHER: not a run directory (no config.json)"; exit 2; }
    shift 2
  fi
fi
B=${1:-build-sanitize}
start=$(date +%s)
# -O1 with line tables: quicker to build, and what the sanitizers recommend (LibTorch's kernels do the heavy work).
cmake -S . -B "$B" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" -DONESTEP_FUZZ=ON \
  -DONESTEP_BUILD_GUI=OFF -DONESTEP_BUILD_BENCHMARKS=OFF -DONESTEP_FUZZ_SECONDS=$([ "$CI" = 1 ] && echo 20 || echo 30) \
  >/dev/null
if [ "$CI" = 1 ]; then
  cmake --build "$B" -j "$(nproc)" --target onestep onestep_engine_tests onestep_cli_tests onestep_fuzz
else
  cmake --build "$B" -j "$(nproc)"
fi
echo "sanitize: built in $(($(date +%s) - start)) s"
export ASAN_OPTIONS="detect_odr_violation=0:halt_on_error=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitize/lsan.supp:print_suppressions=0"
if [ "$CI" = 1 ]; then
  # The engine's and the CLI's unit tests, but those that train to a quality bar (minutes each under the
  # sanitizers, the same code the short ones run) and the Python export's test; the fuzz targets' smoke runs first.
  ctest --test-dir "$B" --output-on-failure -j "$(nproc)" -L fuzz  # each fuzz target runs on one core
  fixture=()
  skip=''
  if [ -n "$TEACHER" ]; then
    rm -rf "$B/tests/engine/fixtures/teacher-8g"
    mkdir -p "$B/tests/engine/fixtures"
    cp -a "$TEACHER" "$B/tests/engine/fixtures/teacher-8g"
    fixture=(-FS teacher8g)  # 100 s of sanitized training saved
    skip='engine\.teacher_fixture|'
  fi
  # Two at a time: the threads of two tests share the cores, and sleep rather than spin when they wait.
  OMP_WAIT_POLICY=PASSIVE ctest --test-dir "$B" --output-on-failure -j "$(nproc)" "${fixture[@]}" \
    -E "^(${skip}cli\.|tree\.|tools\.|fuzz\.|Sid\.OneStepGeneratorApproaches|"\
"Teacher\.LearnsEightGaussians|BuiltinFeatures\.|AllMethods/Methods\.OneStepSamplesApproachTheData)"
else
  ctest --test-dir "$B" --output-on-failure -j 1
fi
echo "sanitize: done in $(($(date +%s) - start)) s"
