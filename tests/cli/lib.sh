# Shared by the CLI test scripts (sourced): a scratch dir $T, check counters and assertion helpers.
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0; checks=0

pass() { checks=$((checks + 1)); echo "ok   $1"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL $1"; }
# expect_ok NAME CMD...: the command exits 0
expect_ok() { local n=$1; shift; if "$@" >"$T/out" 2>"$T/err"; then pass "$n"; else fail "$n (exit $?)"; cat "$T/err"; fi; }
# expect_error NAME CODE PATTERN CMD...: exits CODE, stderr matches PATTERN, and is one line
expect_error() {
  local n=$1 code=$2 pat=$3; shift 3
  "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ "$rc" -eq "$code" ] && grep -qE -- "$pat" "$T/err"; then pass "$n"; else fail "$n (exit $rc, stderr: $(head -c 300 "$T/err"))"; fi
}
# py NAME CODE: a Python assertion over the files
py() { local n=$1; shift; if $PY -c "$1" 2>"$T/err"; then pass "$n"; else fail "$n"; cat "$T/err"; fi; }
