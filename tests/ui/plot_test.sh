#!/usr/bin/env bash
# onestep-studio --plot RUN... --out FILE.png: the FID curves of runs, from their metrics.jsonl, as one PNG drawn by
# the studio's plot (against iterations and against wall time, 1800x600); a run without evaluations is refused with
# a one-line error naming it. Usage: plot_test.sh PATH/TO/onestep-studio
STUDIO=${1:?usage: plot_test.sh PATH/TO/onestep-studio}
set -u
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL $1"; exit 1; }
for r in sid ect; do
  mkdir "$d/$r"
  cat > "$d/$r/metrics.jsonl" <<'JSON'
{"iteration":10,"wall_s":1.0,"loss":0.5}
{"iteration":10,"wall_s":1.5,"fid":20.0,"kid":0.1}
{"iteration":20,"wall_s":3.0,"fid":9.0,"kid":0.05}
JSON
done
"$STUDIO" --plot "$d/sid" "$d/ect" --out "$d/c.png" || fail "--plot of two runs"
/usr/bin/python3 -c "import struct,sys; s=struct.unpack('>II', open(sys.argv[1],'rb').read()[16:24]); assert s == (1800, 600), s" "$d/c.png" ||
  fail "the PNG is 1800x600"
# The curves are drawn: the image has more than a few colours (a blank plot has axes and text only).
/usr/bin/python3 - "$d/c.png" <<'PY' || fail "the curves are drawn in two colours"
import sys, zlib, struct
b = open(sys.argv[1], 'rb').read()
# Decode the PNG with the standard library: IDAT chunks, 8-bit RGB(A), filter per row.
pos, data, (w, h, depth, ctype) = 8, b'', (0, 0, 0, 0)
while pos < len(b):
    n, t = struct.unpack('>I4s', b[pos:pos + 8]); c = b[pos + 8:pos + 8 + n]; pos += 12 + n
    if t == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', c[:10])
    if t == b'IDAT': data += c
raw = zlib.decompress(data); bpp = 4 if ctype == 6 else 3; stride = w * bpp
rows, prev = [], bytearray(stride)
for y in range(h):
    f = raw[y * (stride + 1)]; line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0; up = prev[i]; ul = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + up) & 255
        elif f == 3: line[i] = (line[i] + (a + up) // 2) & 255
        elif f == 4:
            p = a + up - ul; pa, pb, pc = abs(p - a), abs(p - up), abs(p - ul)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else up if pb <= pc else ul)) & 255
    rows.append(bytes(line)); prev = line
saturated = {r[i:i + 3] for r in rows for i in range(0, stride, bpp) if max(r[i:i + 3]) - min(r[i:i + 3]) > 100}
assert len(saturated) >= 2, len(saturated)
PY
mkdir "$d/none"; echo '{"iteration":1,"loss":1}' > "$d/none/metrics.jsonl"
if "$STUDIO" --plot "$d/none" --out "$d/x.png" 2>"$d/err"; then fail "a run without evaluations is refused"; fi
grep -q "none.*no FID" "$d/err" && [ "$(grep -c "onestep-studio:" "$d/err")" -eq 1 ] || fail "the error names the run: $(cat "$d/err")"
"$STUDIO" --plot "$d/sid" 2>"$d/err" && fail "--plot without --out is refused"
echo "ok"
