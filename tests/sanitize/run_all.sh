#!/usr/bin/env bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer, and the fuzz targets, in one clang build
# (-DONESTEP_FUZZ=ON, which implies -DONESTEP_SANITIZE=ON; the studio is left out: Qt is not instrumented).
#   tests/sanitize/run_all.sh [BUILD_DIR]          every engine, CLI and fuzz test (fuzz: 30 s each); 45 min of tests on 2 cores
#   tests/sanitize/run_all.sh --ci [BUILD_DIR]     what CI runs (about 18 min on 2 cores): the engine's and the CLI's
#                                                  unit tests but the long training ones, and the 30-second smoke run
#                                                  of each fuzz target
# Any sanitizer report fails the test it happens in (halt_on_error); leaks whose allocation passes through LibTorch,
# OpenMP or OpenCV are not reported (tests/sanitize/lsan.supp: they keep allocations for the life of a process).
set -euo pipefail
cd "$(dirname "$0")/../.."
CI=0
if [ "${1:-}" = "--ci" ]; then
  CI=1
  shift
fi
B=${1:-build-sanitize}
start=$(date +%s)
# -O1 with line tables: quicker to build, and what the sanitizers recommend (LibTorch's kernels do the heavy work).
cmake -S . -B "$B" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" -DONESTEP_FUZZ=ON \
  -DONESTEP_BUILD_GUI=OFF -DONESTEP_BUILD_BENCHMARKS=OFF >/dev/null
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
  ctest --test-dir "$B" --output-on-failure -j 1 -E '^(cli\.|tree\.|tools\.|fuzz\.|Sid\.OneStepGeneratorApproaches|'\
'Teacher\.LearnsEightGaussians|BuiltinFeatures\.|AllMethods/Methods\.OneStepSamplesApproachTheData)'
else
  ctest --test-dir "$B" --output-on-failure -j 1
fi
echo "sanitize: done in $(($(date +%s) - start)) s"
