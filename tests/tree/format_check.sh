#!/usr/bin/env bash
# The C++ sources follow .clang-format: names every file clang-format would change and exits 1, or says they all
# follow it. Reformat a file with: clang-format -i FILE.
set -uo pipefail
cd "${1:-$(dirname "$0")/../..}"
if ! command -v clang-format >/dev/null; then
  echo "format: clang-format is not installed (packaging/install-deps.sh installs it)"
  exit 1
fi
mapfile -t files < <(find engine ui app tests benchmarks -type f \( -name '*.cpp' -o -name '*.h' \) | sort)
# One clang-format for all the files (one per file took 24 s of the test suite); it names each line it would
# change as "FILE:LINE:COL: error: code should be clang-formatted".
report=$(clang-format --dry-run --Werror "${files[@]}" 2>&1)
status=$?
mapfile -t bad < <(grep -oE '^[^:]+:[0-9]+:[0-9]+: error' <<<"$report" | cut -d: -f1 | sort -u)
for f in "${bad[@]}"; do echo "format: $f differs from .clang-format (clang-format -i $f)"; done
if [ "$status" -ne 0 ] && [ ${#bad[@]} -eq 0 ]; then
  echo "format: clang-format failed: $(head -3 <<<"$report")"
  exit 1
fi
echo "format: $((${#files[@]} - ${#bad[@]})) of ${#files[@]} files follow .clang-format ($(clang-format --version | head -1))"
[ ${#bad[@]} -eq 0 ]
