#!/usr/bin/env bash
# The studio's soak: onestep-studio --soak, offscreen, on Fashion-MNIST (SiD from the shipped teacher) for 30 minutes
# by default, with the compare and latent views used while it trains; prints the figures and exits 0 when resident
# memory after the warm-up grew less than 5 %, the preview history stayed within its bound and the rate held.
#   tests/soak/soak.sh PATH/TO/onestep-studio [MINUTES=30] [DATA=fashion-mnist]
set -uo pipefail
STUDIO=${1:?usage: soak.sh PATH/TO/onestep-studio [MINUTES] [DATA]}
MINUTES=${2:-30}
DATA=${3:-fashion-mnist}
out=$(mktemp)
QT_QPA_PLATFORM=offscreen "$STUDIO" --soak "$MINUTES" --soak-data "$DATA" >"$out"
rc=$?
/usr/bin/python3 - "$out" <<'PYEOF'
import json, sys
text = open(sys.argv[1]).read().strip()
if not text:
    sys.exit("soak: no figures (see the error above)")
r = json.loads(text.splitlines()[-1])
print(f"soak: {r['data']}, {r['minutes']:.1f} min, {r['iterations']:.0f} iterations, {r['view_changes']} view changes")
print(f"  resident memory after warm-up {r['rss_after_warmup_mib']:.0f} MiB, at the end {r['rss_end_mib']:.0f} MiB: "
      f"{100 * r['rss_growth']:+.2f} % (limit +5 %)")
print(f"  preview history at most {r['preview_frames_max']} frames (bound {r['preview_frames_bound']})")
print(f"  rate {r['rate_first_it_per_s']:.3f} it/s in the first third after warm-up, {r['rate_last_it_per_s']:.3f} in "
      f"the last: ratio {r['rate_ratio']:.3f} (limit 0.9)")
print("  " + ("pass" if r["pass"] else "FAIL"))
PYEOF
rm -f "$out"
exit "$rc"
