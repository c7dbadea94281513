#!/usr/bin/env bash
# clang-tidy with .clang-tidy over the project's sources (or the files given), from a build configured with
# -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DONESTEP_UNITY_BUILD=OFF (a batched build compiles no file on its own). The
# engine and its tests compile with GCC's precompiled header, which clang cannot read: their commands are rewritten
# without it (each file then parses all of Torch, ~30 s on 2 cores).
# Not part of ctest (too slow); prints clang-tidy's findings and exits 1 when there are any.
#   tests/tree/tidy.sh [BUILD_DIR] [FILE...]
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
shift || true
[ -f "$build/compile_commands.json" ] || { echo "tidy: $build/compile_commands.json missing (configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DONESTEP_UNITY_BUILD=OFF)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$build/compile_commands.json" "$work" "$PWD" <<'PY'
import json, re, sys
entries = json.load(open(sys.argv[1]))
root = sys.argv[3] + "/"
if any("/Unity/unity_" in e["file"] for e in entries):
    sys.exit("tidy: %s compiles files in batches; configure it with -DONESTEP_UNITY_BUILD=OFF" % sys.argv[1])
out = []
for e in entries:
    if not e["file"].startswith(root) or "/autogen/" in e["file"] or "_autogen/" in e["file"]:
        continue
    e = dict(e)
    e["command"] = re.sub(r"-include \S*cmake_pch\.hxx", "", e["command"]).replace("-Winvalid-pch", "")
    out.append(e)
json.dump(out, open(sys.argv[2] + "/compile_commands.json", "w"))
open(sys.argv[2] + "/files", "w").write("\n".join(sorted({e["file"] for e in out})) + "\n")
PY
[ -f "$work/files" ] || exit 1
files=("$@")
[ ${#files[@]} -eq 0 ] && mapfile -t files <"$work/files"
xargs -n 1 -P "$(nproc)" clang-tidy -p "$work" --quiet <<<"$(printf '%s\n' "${files[@]}")" 2>/dev/null | tee "$work/log"
count=$(grep -c "warning:" "$work/log")
echo "tidy: ${#files[@]} files, $count findings"
[ "$count" -eq 0 ]
