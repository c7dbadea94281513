#!/usr/bin/env bash
# The Debian package, built, installed, used and removed (CI runs it as root on a throwaway machine; it changes the
# system's packages, so it is not a ctest):
#   package_test.sh BUILD_DIR              the build's package: onestep-studio_<version>_amd64.deb from a GUI build,
#                                          onestep_<version>_amd64.deb (the CLI alone) from an engine-only build
#   package_test.sh BUILD_DIR --cli-only   the CLI-only package of a GUI build (cpack -D ONESTEP_CLI_ONLY=ON)
# It checks the package (computed dependencies, Qt only in the studio's; every library the programs load comes from
# a package it pulls in; modes; lintian), installs it with apt-get, runs the installed CLI (and the
# studio's scripted mode) as an unprivileged user from an empty directory, so that the shipped models and the
# feature extractor are found by name, checks that an installed program never falls back on the build's source
# tree, then removes it and checks nothing is left.
set -uo pipefail
BUILD=${1:?usage: package_test.sh BUILD_DIR [--cli-only]}
BUILD=$(cd "$BUILD" && pwd)
source "$(dirname "$0")/../cli/lib.sh"
if [ "$(id -u)" -ne 0 ]; then echo "package_test: needs root (it installs and removes the package)"; exit 2; fi
export DEBIAN_FRONTEND=noninteractive

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt")
gui=$(sed -n 's/^ONESTEP_BUILD_GUI:BOOL=//p' "$BUILD/CMakeCache.txt")
rm -f "$BUILD"/onestep*_*.deb
if [ "${2:-}" = --cli-only ]; then
  name=onestep
  (cd "$BUILD" && cpack --config CPackConfig.cmake -D ONESTEP_CLI_ONLY=ON) > "$T/cpack.log" 2>&1
else
  name=onestep-studio; [[ $gui =~ ^(OFF|0|FALSE|NO)$ ]] && name=onestep
  cmake --build "$BUILD" --target package > "$T/cpack.log" 2>&1
fi
deb=$BUILD/${name}_${version}_amd64.deb
if [ -f "$deb" ]; then pass "built $(basename "$deb") ($(du -h "$deb" | cut -f1))"; else fail "no $deb"; tail -20 "$T/cpack.log"; exit 1; fi

# Whatever happens below, the package does not stay installed.
is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
cleanup() {
  [ -d /usr/share/onestep/resources.away ] && mv /usr/share/onestep/resources.away /usr/share/onestep/resources
  is_installed "$name" && dpkg -r "$name" > /dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT

# --- What the package says and holds ---------------------------------------------------------------------------
depends=$(dpkg-deb -f "$deb" Depends)
echo "     Depends: $depends"
grep -q 'libtorch' <<<"$depends" && grep -q 'libopencv' <<<"$depends" && pass "Depends computed (LibTorch, OpenCV)" || fail "Depends lacks LibTorch or OpenCV"
if [ "$name" = onestep-studio ]; then
  grep -q 'libqt6' <<<"$depends" && pass "Depends has Qt" || fail "Depends lacks Qt"
else
  grep -q 'qt6\|qcustomplot' <<<"$depends" && fail "the CLI-only package depends on Qt" || pass "the CLI-only package has no Qt dependency"
fi
dpkg-deb -c "$deb" > "$T/listing"
awk '{print $NF}' "$T/listing" | sed 's|^\./|/|' > "$T/files"
want=(/usr/bin/onestep /usr/share/man/man1/onestep.1.gz /usr/share/bash-completion/completions/onestep
      /usr/share/onestep/models/models.json /usr/share/onestep/models/fashion-mnist-sid.pt
      /usr/share/onestep/resources/features/fashion-mnist-cnn.pt "/usr/share/doc/$name/copyright"
      "/usr/share/doc/$name/changelog.gz")
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
# Folders rwxr-xr-x, files rw-r--r-- (programs rwxr-xr-x), all root's, whatever the builder's umask.
odd=$(awk '!(($1=="drwxr-xr-x") || ($1=="-rw-r--r--") || ($1=="-rwxr-xr-x" && $NF ~ /usr\/bin\//)) || $2!="root/root" {print $1, $2, $NF}' "$T/listing")
[ -z "$odd" ] && pass "modes and owners as Debian's" || fail "odd modes: $(head -3 <<<"$odd" | tr '\n' ';')"
size=$(du -sb --apparent-size "$deb" | cut -f1)
py "the package is under 40 MB" "assert $size < 40e6, $size"
if command -v lintian > /dev/null; then
  lintian --fail-on error,warning "$deb" > "$T/lintian" 2>&1 && pass "lintian: no error or warning" || fail "lintian: $(grep -E '^[EW]:' "$T/lintian" | head -3 | tr '\n' ';')"
else
  fail "lintian is not installed (packaging/install-deps.sh installs it)"
fi

# --- Installed by apt-get -----------------------------------------------------------------------------------------
for p in onestep onestep-studio; do is_installed "$p" && dpkg -r "$p" > /dev/null; done
if apt-get install -y -q "$deb" > "$T/apt.log" 2>&1; then pass "apt-get install ./$(basename "$deb")"; else fail "apt-get install"; tail -20 "$T/apt.log"; exit 1; fi
# Every library the installed programs load comes from a package that the Depends and Recommends pull in (so that
# apt-get, which installs both, brings each onto a machine that lacks it; OpenBLAS, recommended, serves the BLAS).
apt-cache depends --recurse --installed --no-suggests --no-conflicts --no-breaks --no-replaces \
  --no-enhances "$name" 2>/dev/null | grep -oE '[a-z0-9][a-z0-9+.-]+' | sed 's/:amd64$//' | sort -u > "$T/closure"
unowned=()
for exe in /usr/bin/onestep /usr/bin/onestep-studio; do
  [ -x "$exe" ] || continue
  for lib in $(ldd "$exe" | grep -oE '=> /[^ ]+' | cut -c4-); do
    # dpkg knows a file by the path its package ships (/lib or /usr/lib, before or after the alternatives' links).
    owner=""
    real=$(readlink -f "$lib")
    for path in "$real" "${real/#\/usr\/lib\//\/lib\/}" "$lib" "${lib/#\/usr\/lib\//\/lib\/}"; do
      owner=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1) && [ -n "$owner" ] && break
    done
    # The owner, or a virtual package it provides (libopenblas0-pthread provides libblas.so.3), must be pulled in.
    provided=$(dpkg-query -W -f='${Provides}' "$owner" 2>/dev/null | grep -oE '[a-z0-9][a-z0-9+.-]+')
    found=0
    for p in $owner $provided; do grep -qxF "$p" "$T/closure" && found=1; done
    [ "$found" = 1 ] || unowned+=("$(basename "$lib") (${owner:-no package})")
  done
done
[ ${#unowned[@]} -eq 0 ] && pass "every library loaded comes from what the package pulls in" || fail "not pulled in: ${unowned[*]}"

# --- Used by an unprivileged user, from an empty directory ---------------------------------------------------------
here=$(mktemp -d); chown nobody "$here"; cd "$here" || exit 1
as_user() { runuser -u nobody -- env -u ONESTEP_MODELS_DIR -u ONESTEP_RESOURCES "$@"; }
expect_ok "onestep --version" as_user /usr/bin/onestep --version
grep -qE "^onestep $version \(LibTorch [0-9.]+" "$T/out" && pass "it names its and LibTorch's versions: $(cat "$T/out")" || fail "--version: $(cat "$T/out")"
expect_ok "onestep models --json" as_user /usr/bin/onestep models --json
py "the installed models are found" "import json; j=json.load(open('$T/out')); assert j['dir']=='/usr/share/onestep/models', j['dir']; assert len(j['models'])>=9, len(j['models'])"
expect_ok "sample a shipped generator by name" as_user /usr/bin/onestep sample --model fashion-mnist-sid --n 64 --seed 0 --out grid.png --quiet
[ -s grid.png ] && pass "grid.png written" || fail "no grid.png"
expect_ok "FID with the installed extractor" as_user /usr/bin/onestep fid 'fashion-mnist?split=test' fashion-mnist-sid --n 500 --no-kid --no-pr --quiet --json
py "FID is a number" "import json, math; f=json.load(open('$T/out'))['fid']; assert math.isfinite(f) and f > 0, f"
expect_ok "distil a toy from a shipped teacher" as_user /usr/bin/onestep distill --method sid --teacher 8gaussians --data toy:8gaussians --out run --steps 5 --quiet
if [ "$name" = onestep-studio ]; then
  expect_ok "onestep-studio --version" as_user /usr/bin/onestep-studio --version
  grep -qE "^OneStep Studio $version \(LibTorch [0-9.]+, Qt 6\.[0-9.]+\)" "$T/out" && pass "the studio names its, LibTorch's and Qt's versions: $(cat "$T/out")" || fail "studio --version: $(cat "$T/out")"
  expect_ok "the installed studio's scripted demo" as_user env QT_QPA_PLATFORM=offscreen /usr/bin/onestep-studio --demo toy:8gaussians --method sid --steps 10 --screenshot studio.png
  [ -s studio.png ] && pass "studio.png written" || fail "no studio.png"
  expect_ok "desktop entry validates" desktop-file-validate /usr/share/applications/io.github.onestep_studio.studio.desktop
fi
leftover=$(ls -A "$here" | grep -vxE 'grid.png|run|studio.png' | tr '\n' ' ')
[ -z "$leftover" ] && pass "nothing else written to the working directory" || fail "also wrote: $leftover"
expect_ok "onestep(1) renders without a warning" bash -c "set -o pipefail; zcat /usr/share/man/man1/onestep.1.gz | groff -man -Tascii -ww -z 2>&1 | (! grep .)"
expect_ok "bash completion loads" bash -c 'source /usr/share/bash-completion/completions/onestep && complete -p onestep'
# With its extractor gone, the installed program says where it looked, and does not use the build's source tree.
mv /usr/share/onestep/resources /usr/share/onestep/resources.away
expect_error "no fallback on the source tree" 1 "/usr/share/onestep/resources/features" as_user /usr/bin/onestep fid 'fashion-mnist?split=test' fashion-mnist-sid --n 100 --quiet
mv /usr/share/onestep/resources.away /usr/share/onestep/resources
cd / || exit 1

# --- Removed: nothing of it left ---------------------------------------------------------------------------------
if apt-get remove -y -q "$name" > "$T/apt.log" 2>&1; then pass "apt-get remove $name"; else fail "apt-get remove"; tail -5 "$T/apt.log"; fi
left=(); while read -r f; do [ -e "$f" ] && [ ! -d "$f" ] && left+=("$f"); done < "$T/files"
for d in /usr/share/onestep "/usr/share/doc/$name"; do [ -e "$d" ] && left+=("$d"); done
[ ${#left[@]} -eq 0 ] && pass "nothing of the package is left" || fail "left behind: ${left[*]}"
is_installed "$name" && fail "dpkg: still installed" || pass "dpkg: not installed"
rm -rf "$here"

echo "package ($name): $((checks - failures))/$checks checks passed"
[ "$failures" -eq 0 ]
