#!/usr/bin/env bash
# The C++ sources follow .clang-format: names every file clang-format would change and exits 1, or says they all
# follow it. Reformat with: clang-format -i FILE (or the loop below with -i instead of --dry-run).
set -uo pipefail
cd "${1:-$(dirname "$0")/../..}"
if ! command -v clang-format >/dev/null; then
  echo "format: clang-format is not installed (packaging/install-deps.sh installs it)"
  exit 1
fi
bad=0
total=0
while IFS= read -r f; do
  total=$((total + 1))
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "format: $f differs from .clang-format (clang-format -i $f)"
    bad=$((bad + 1))
  fi
done < <(find engine ui app tests benchmarks -type f \( -name '*.cpp' -o -name '*.h' \) | sort)
echo "format: $((total - bad)) of $total files follow .clang-format ($(clang-format --version | head -1))"
[ "$bad" -eq 0 ]
