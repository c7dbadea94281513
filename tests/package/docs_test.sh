#!/usr/bin/env bash
# The installed documents as the build writes them (packaging/): onestep(1) has every command and, as an option
# heading of its section, every option of its --help; onestep-studio(1) has exactly the options of onestep-studio
# --help; both render without a groff warning; the bash completion completes commands, options and values, with and
# without bash-completion loaded; the desktop entry and AppStream metainfo validate; the icons have their sizes.
# Usage: docs_test.sh BUILD_DIR GUI(ON|OFF)
BUILD=$(cd "${1:?usage: docs_test.sh BUILD_DIR ON|OFF}" && pwd)
GUI=${2:?usage: docs_test.sh BUILD_DIR ON|OFF}
source "$(dirname "$0")/../cli/lib.sh"
ONESTEP=$BUILD/app/onestep
GEN=$BUILD/packaging

# groff's warnings (-ww) on a page, as text; empty when it renders cleanly.
groff_warnings() { groff -man -Tascii -ww -z "$1" 2>&1; }
# A page as plain text.
render() { groff -man -Tascii -P-cbou "$1" 2>/dev/null; }

# --- onestep(1) ----------------------------------------------------------------------------------------------
MAN=$GEN/onestep.1
if [ -s "$MAN" ]; then pass "onestep.1 written"; else fail "onestep.1 missing"; fi
if [ -z "$(groff_warnings "$MAN")" ]; then pass "onestep.1 renders without warnings"; else fail "onestep.1: $(groff_warnings "$MAN" | head -3)"; fi
render "$MAN" > "$T/onestep.txt"
mapfile -t cmds < <("$ONESTEP" --help | awk '/^commands:/{on=1; next} on && NF {print $1}')
if [ "${#cmds[@]}" -ge 10 ]; then pass "onestep --help lists ${#cmds[@]} commands"; else fail "onestep --help lists ${#cmds[@]} commands"; fi
missing=()
for c in "${cmds[@]}"; do
  grep -qE "^   $c\$" "$T/onestep.txt" || { missing+=("$c"); continue; }
  [ "$c" = version ] && continue
  # The option headings of the command's section, from the page's source: the tag line after each .TP.
  awk -v c="${c//-/\\\\-}" '$0 == ".SS \""c"\"" {on=1; next} on && /^\.SS / {exit} on && tp {print} {tp = ($0 == ".TP")}' "$MAN" |
    sed 's/\\-/-/g' | grep -oE '^\.BI? --[a-z0-9-]+' | cut -d' ' -f2 | sort -u > "$T/page-opts"
  "$ONESTEP" "$c" --help | grep -oE '^  --[a-z0-9-]+' | sed 's/^ *//' | sort -u > "$T/help-opts"
  diff -q "$T/help-opts" "$T/page-opts" > /dev/null || missing+=("$c: $(diff "$T/help-opts" "$T/page-opts" | grep '^[<>]' | tr '\n' ' ')")
done
if [ "${#missing[@]}" -eq 0 ]; then pass "onestep.1 has every command, with exactly its --help options"; else fail "onestep.1 differs: ${missing[*]}"; fi
version=$("$ONESTEP" --version | awk '{print $2}')
grep -qF "onestep $version" "$T/onestep.txt" && pass "onestep.1 names the version" || fail "onestep.1 names no version"
grep -qE '"[0-9]{4}-[0-9]{2}-[0-9]{2}"' <(head -3 "$MAN" | sed 's/\\-/-/g') && pass "onestep.1 is dated" || fail "onestep.1 has no date"
if [ "$GUI" = ON ]; then
  grep -q "onestep-studio(1)" "$T/onestep.txt" && pass "onestep.1 refers to onestep-studio(1)" || fail "onestep.1 lacks onestep-studio(1)"
else
  grep -q "onestep-studio(1)" "$T/onestep.txt" && fail "the engine-only build's onestep.1 refers to onestep-studio(1)" || pass "the engine-only build's onestep.1 refers to no studio page"
fi

# --- onestep-studio(1): the same options as its --help, no more, no fewer --------------------------------------
if [ "$GUI" = ON ]; then
  STUDIO=$BUILD/app/onestep-studio
  SMAN=$(dirname "$0")/../../packaging/man/onestep-studio.1
  if [ -z "$(groff_warnings "$SMAN")" ]; then pass "onestep-studio.1 renders without warnings"; else fail "onestep-studio.1: $(groff_warnings "$SMAN" | head -3)"; fi
  QT_QPA_PLATFORM=offscreen "$STUDIO" --help 2>/dev/null | grep -oE '^  (-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u > "$T/help-opts"
  render "$SMAN" | grep -oE '^       (-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u > "$T/man-opts"
  if [ "$(wc -l < "$T/help-opts")" -ge 10 ] && diff "$T/help-opts" "$T/man-opts" > "$T/diff"; then
    pass "onestep-studio.1 has exactly the options of --help ($(wc -l < "$T/help-opts"))"
  else
    fail "onestep-studio.1 against --help (< help, > page): $(tr '\n' ' ' < "$T/diff")"
  fi
  DESKTOP=$(ls "$GEN"/*.desktop) && META=$(ls "$GEN"/*.metainfo.xml)
  expect_ok "desktop entry validates" desktop-file-validate "$DESKTOP"
  expect_ok "AppStream metainfo validates" appstreamcli validate --no-net --pedantic "$META"
  for s in 16 32 48 256; do
    f=$(ls "$GEN/icons/${s}x${s}/"*.png 2>/dev/null)
    py "icon ${s}x${s} is a ${s}-pixel PNG" "import struct; b=open('$f','rb').read(24); assert b[:8]==b'\x89PNG\r\n\x1a\n' and struct.unpack('>II', b[16:24])==($s,$s)"
  done
fi

# --- bash completion -----------------------------------------------------------------------------------------
COMP=$GEN/onestep.bash-completion
BC=/usr/share/bash-completion/bash_completion
cd "$T" || exit 1  # an empty directory: no file names among the answers
# complete WITH_BC WORD...: what completing the last word offers, with the words split as given (COMP_WORDS), with
# (1) or without (0) bash-completion loaded.
complete_words() {
  bash -c 'if [ "$1" = 1 ]; then source "$3"; fi; source "$2"; shift 3; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
           COMP_LINE="$*"; COMP_LINE=${COMP_LINE// : /:}; COMP_POINT=${#COMP_LINE}
           _onestep; [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' _ "$@" | sort | tr '\n' ' '
}
check_completion() {  # check_completion NAME WITH_BC EXPECTED WORD...
  local n=$1 bc=$2 want=$3; shift 3
  local got; got=$(complete_words "$bc" "$COMP" "$BC" "$@")
  [ "$got" = "$want" ] && pass "completion: $n" || fail "completion: $n: got '$got', want '$want'"
}
check_completion "a command" 0 "distill " onestep dis
check_completion "an option" 0 "--method " onestep distill --met
check_completion "the one-step methods, never the teacher" 0 "ect sct sid smm " onestep distill --method ''
check_completion "teachers for --teacher, no generator" 0 "fashion-mnist " onestep distill --teacher fashion-mnist
check_completion "a shipped model for --model" 0 "fashion-mnist-sct fashion-mnist-sid " onestep sample --model fashion-mnist-s
check_completion "a data spec" 0 "toy:moons " onestep train-teacher --data toy:m
check_completion "a set of fid" 0 "fashion-mnist-sid " onestep fid fashion-mnist-si
check_completion "nothing for a number" 0 "" onestep distill --steps ''
if [ -f "$BC" ]; then
  # As bash splits words at ':' (COMP_WORDBREAKS): bash-completion joins them, and the answer replaces only the part
  # after the colon.
  check_completion "a data spec split at ':', with bash-completion" 1 "moons " onestep train-teacher --data toy : m
  check_completion "a command, with bash-completion" 1 "distill " onestep dis
  check_completion "an option, with bash-completion" 1 "--method " onestep distill --met
else
  fail "bash-completion is not installed ($BC); packaging/install-deps.sh installs it"
fi

echo "docs: $((checks - failures))/$checks checks passed"
[ "$failures" -eq 0 ]
