#!/usr/bin/env bash
# The Debian package, built, installed, used and removed (CI runs it as root on a throwaway machine; it changes the
# system's packages, so it is not a ctest):
#   package_test.sh BUILD_DIR              the studio package (a GUI build): onestep-studio_<version>_amd64.deb
#   package_test.sh BUILD_DIR --cli-only   the CLI-only package of the same build: onestep_<version>_amd64.deb
# It checks the package's dependencies (computed, Qt only in the studio's), installs it with apt-get (which pulls in
# what is missing), runs the installed CLI (and the studio's scripted mode) from an empty directory, so that the
# shipped models and the feature extractor are found by name, then removes it and checks nothing is left.
set -uo pipefail
BUILD=${1:?usage: package_test.sh BUILD_DIR [--cli-only]}
BUILD=$(cd "$BUILD" && pwd)
MODE=${2:-studio}
source "$(dirname "$0")/../cli/lib.sh"
if [ "$(id -u)" -ne 0 ]; then echo "package_test: needs root (it installs and removes the package)"; exit 2; fi

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt")
rm -f "$BUILD"/onestep*_*.deb
if [ "$MODE" = --cli-only ]; then
  name=onestep
  (cd "$BUILD" && cpack --config CPackConfig.cmake -D ONESTEP_CLI_ONLY=ON) > "$T/cpack.log" 2>&1
else
  name=onestep-studio
  cmake --build "$BUILD" --target package > "$T/cpack.log" 2>&1
fi
deb=$BUILD/${name}_${version}_amd64.deb
if [ -f "$deb" ]; then pass "built $(basename "$deb") ($(du -h "$deb" | cut -f1))"; else fail "no $deb"; tail -20 "$T/cpack.log"; exit 1; fi

# --- What the package says and holds ---------------------------------------------------------------------------
depends=$(dpkg-deb -f "$deb" Depends)
echo "     Depends: $depends"
grep -q 'libtorch' <<<"$depends" && grep -q 'libopencv' <<<"$depends" && pass "Depends computed (LibTorch, OpenCV)" || fail "Depends lacks LibTorch or OpenCV"
if [ "$name" = onestep-studio ]; then
  grep -q 'libqt6' <<<"$depends" && pass "Depends has Qt" || fail "Depends lacks Qt"
else
  grep -q 'qt6\|qcustomplot' <<<"$depends" && fail "the CLI-only package depends on Qt" || pass "the CLI-only package has no Qt dependency"
fi
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' > "$T/files"
want=(/usr/bin/onestep /usr/share/man/man1/onestep.1.gz /usr/share/bash-completion/completions/onestep
      /usr/share/onestep/models/models.json /usr/share/onestep/models/fashion-mnist-sid.pt
      /usr/share/onestep/resources/features/fashion-mnist-cnn.pt "/usr/share/doc/$name/copyright" "/usr/share/doc/$name/changelog.gz")
studio=(/usr/bin/onestep-studio /usr/share/man/man1/onestep-studio.1.gz
        /usr/share/applications/io.github.onestep_studio.studio.desktop
        /usr/share/metainfo/io.github.onestep_studio.studio.metainfo.xml
        /usr/share/icons/hicolor/scalable/apps/io.github.onestep_studio.studio.svg
        /usr/share/icons/hicolor/48x48/apps/io.github.onestep_studio.studio.png)
if [ "$name" = onestep-studio ]; then want+=("${studio[@]}"); fi
lacks=(); for f in "${want[@]}"; do grep -qxF "$f" "$T/files" || lacks+=("$f"); done
[ ${#lacks[@]} -eq 0 ] && pass "holds the ${#want[@]} expected files" || fail "lacks ${lacks[*]}"
if [ "$name" = onestep ]; then
  grep -q 'onestep-studio$\|applications/' "$T/files" && fail "the CLI-only package holds the studio" || pass "the CLI-only package holds no studio"
fi
size=$(du -sb --apparent-size "$deb" | cut -f1)
py "the package is under 40 MB" "assert $size < 40e6, $size"

# --- Installed by apt-get, used from an empty directory ----------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
apt-get remove -y -q onestep onestep-studio > /dev/null 2>&1
if apt-get install -y -q "$deb" > "$T/apt.log" 2>&1; then pass "apt-get install ./$(basename "$deb")"; else fail "apt-get install"; tail -20 "$T/apt.log"; exit 1; fi
cd "$(mktemp -d)" || exit 1
here=$PWD
expect_ok "onestep --version" /usr/bin/onestep --version
grep -qE "^onestep $version \(LibTorch [0-9.]+" "$T/out" && pass "it names its and LibTorch's versions: $(cat "$T/out")" || fail "--version: $(cat "$T/out")"
expect_ok "onestep models --json" env -u ONESTEP_MODELS_DIR /usr/bin/onestep models --json
py "the installed models are found ($(basename "$here") is empty)" "import json; j=json.load(open('$T/out')); assert j['dir']=='/usr/share/onestep/models', j['dir']; assert len(j['models'])>=9, len(j['models'])"
expect_ok "sample a shipped generator by name" /usr/bin/onestep sample --model fashion-mnist-sid --n 64 --seed 0 --out grid.png --quiet
[ -s grid.png ] && pass "grid.png written" || fail "no grid.png"
expect_ok "FID with the installed extractor" /usr/bin/onestep fid 'fashion-mnist?split=test' fashion-mnist-sid --n 500 --no-kid --no-pr --quiet --json
py "FID is a number" "import json, math; f=json.load(open('$T/out'))['fid']; assert math.isfinite(f) and f > 0, f"
# The build's source tree is a fallback of a build run from its tree; hidden, the installed files alone must serve.
src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD/CMakeCache.txt")
if unshare -m true 2>/dev/null; then
  expect_ok "the same with the source tree's models and resources hidden" unshare -m bash -c "mount -t tmpfs none '$src/models' && mount -t tmpfs none '$src/resources' && /usr/bin/onestep fid 'fashion-mnist?split=test' fashion-mnist-sid --n 200 --no-kid --no-pr --quiet --json"
else
  echo "     (not checked with the source tree hidden: unshare -m is not allowed here)"
fi
expect_ok "distil a toy from a shipped teacher" /usr/bin/onestep distill --method sid --teacher 8gaussians --data toy:8gaussians --out run --steps 5 --quiet
expect_ok "man page renders" bash -c "zcat /usr/share/man/man1/onestep.1.gz | groff -man -Tascii -ww -z"
expect_ok "bash completion loads" bash -c 'source /usr/share/bash-completion/completions/onestep && complete -p onestep'
if [ "$name" = onestep-studio ]; then
  expect_ok "onestep-studio --version" /usr/bin/onestep-studio --version
  grep -qE "^OneStep Studio $version \(LibTorch [0-9.]+, Qt 6\.[0-9.]+\)" "$T/out" && pass "the studio names its, LibTorch's and Qt's versions: $(cat "$T/out")" || fail "studio --version: $(cat "$T/out")"
  expect_ok "the installed studio's scripted demo" env QT_QPA_PLATFORM=offscreen /usr/bin/onestep-studio --demo toy:8gaussians --method sid --steps 10 --screenshot studio.png
  [ -s studio.png ] && pass "studio.png written" || fail "no studio.png"
  expect_ok "desktop entry validates" desktop-file-validate /usr/share/applications/io.github.onestep_studio.studio.desktop
fi
leftover=$(ls -A "$here" | grep -vxE 'grid.png|run|studio.png' | tr '\n' ' ')
[ -z "$leftover" ] && pass "nothing else written to the working directory" || fail "also wrote: $leftover"
cd / || exit 1

# --- Removed: nothing of it left ---------------------------------------------------------------------------------
if apt-get remove -y -q "$name" > "$T/apt.log" 2>&1; then pass "apt-get remove $name"; else fail "apt-get remove"; tail -5 "$T/apt.log"; fi
left=(); while read -r f; do [ -e "$f" ] && [ ! -d "$f" ] && left+=("$f"); done < "$T/files"
for d in /usr/share/onestep "/usr/share/doc/$name"; do [ -e "$d" ] && left+=("$d"); done
[ ${#left[@]} -eq 0 ] && pass "nothing of the package is left" || fail "left behind: ${left[*]}"
status=$(dpkg-query -W -f='${Status}' "$name" 2>/dev/null)
[[ -z "$status" || "$status" == *not-installed* ]] && pass "dpkg: not installed" || fail "dpkg status: $status"
rm -rf "$here"

echo "package ($name): $((checks - failures))/$checks checks passed"
[ "$failures" -eq 0 ]
