#!/usr/bin/env bash
# The installed documents as the build writes them (packaging/): onestep(1) names every command and every option of
# its --help, onestep-studio(1) names exactly the options of onestep-studio --help, both render without a groff
# warning, the bash completion completes commands, options and values, and the desktop entry and AppStream
# metainfo validate.
# Usage: docs_test.sh BUILD_DIR
BUILD=${1:?usage: docs_test.sh BUILD_DIR}
source "$(dirname "$0")/../cli/lib.sh"
ONESTEP=$BUILD/app/onestep
STUDIO=$BUILD/app/onestep-studio
GEN=$BUILD/packaging

# groff's warnings (-ww) on a page, as text; empty when it renders cleanly.
groff_warnings() { groff -man -Tutf8 -ww -z "$1" 2>&1; }

# --- onestep(1) ----------------------------------------------------------------------------------------------
MAN=$GEN/onestep.1
if [ -s "$MAN" ]; then pass "onestep.1 written"; else fail "onestep.1 missing"; fi
if [ -z "$(groff_warnings "$MAN")" ]; then pass "onestep.1 renders without warnings"; else fail "onestep.1: $(groff_warnings "$MAN" | head -3)"; fi
groff -man -Tascii -P-cbou "$MAN" 2>/dev/null > "$T/onestep.txt"
mapfile -t cmds < <("$ONESTEP" --help | awk '/^commands:/{on=1; next} on && NF {print $1}')
if [ "${#cmds[@]}" -ge 10 ]; then pass "onestep --help lists ${#cmds[@]} commands"; else fail "onestep --help lists ${#cmds[@]} commands"; fi
missing=()
for c in "${cmds[@]}"; do
  grep -qE "^ +$c\$" "$T/onestep.txt" || { missing+=("$c"); continue; }
  [ "$c" = version ] && continue
  # Every option of the command's --help appears in its section of the page.
  section=$(awk -v c="$c" '$0 ~ "^   "c"$" {on=1; next} on && /^   [a-z-]+$/ {exit} on' "$T/onestep.txt")
  for o in $("$ONESTEP" "$c" --help | grep -oE '^  --[a-z0-9-]+' | sed 's/^ *//'); do
    grep -qF -- "$o" <<<"$section" || missing+=("$c $o")
  done
done
if [ "${#missing[@]}" -eq 0 ]; then pass "onestep.1 has every command and every option"; else fail "onestep.1 lacks: ${missing[*]}"; fi
grep -qF "onestep $("$ONESTEP" --version | awk '{print $2}')" "$MAN" && pass "onestep.1 names the version" || fail "onestep.1 names no version"

# --- onestep-studio(1): the same options as its --help, no more, no fewer --------------------------------------
if [ -x "$STUDIO" ]; then
  SMAN=$(dirname "$0")/../../packaging/man/onestep-studio.1
  if [ -z "$(groff_warnings "$SMAN")" ]; then pass "onestep-studio.1 renders without warnings"; else fail "onestep-studio.1: $(groff_warnings "$SMAN" | head -3)"; fi
  QT_QPA_PLATFORM=offscreen "$STUDIO" --help 2>/dev/null | grep -oE '^ +(-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u > "$T/help-opts"
  groff -man -Tascii -P-cbou "$SMAN" 2>/dev/null | grep -oE '^ +(-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u > "$T/man-opts"
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
complete_words() {  # complete_words WORD... : what completing the last word offers
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _onestep; printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "$@" | sort | tr '\n' ' '
}
[ "$(complete_words onestep dis)" = "distill " ] && pass "completes a command" || fail "command: '$(complete_words onestep dis)'"
[[ " $(complete_words onestep distill --me) " == *" --method "* ]] && pass "completes an option" || fail "option: '$(complete_words onestep distill --me)'"
[ "$(complete_words onestep distill --method s)" = "sct sid smm " ] && pass "completes a method" || fail "method: '$(complete_words onestep distill --method s)'"
[[ " $(complete_words onestep sample --model fashion-mnist-s) " == *" fashion-mnist-sid "* ]] && pass "completes a shipped model" || fail "model: '$(complete_words onestep sample --model fashion-mnist-s)'"
[[ " $(complete_words onestep train-teacher --data toy:m) " == *" toy:moons "* ]] && pass "completes a data spec" || fail "data: '$(complete_words onestep train-teacher --data toy:m)'"

echo "docs: $((checks - failures))/$checks checks passed"
[ "$failures" -eq 0 ]
