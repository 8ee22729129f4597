#!/usr/bin/env bash
# Parse+validate throughput of AirlockJSON vs PyPI jsonschema-rs and jsonschema (json.loads included for them,
# our parser included for us): Stripe fixtures against their schemas, and one generated ≥ 20 MB document.
# Usage: bench/json-bench.sh   (env: AIRLOCK_SHARED to locate shared/, REPS for the Stripe loop)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkg="$(cd "$here/.." && pwd)"
shared="${AIRLOCK_SHARED:-}"
if [ -z "$shared" ]; then
  d="$pkg"
  while [ "$d" != "/" ]; do
    if [ -d "$d/shared/conformance" ]; then shared="$d/shared"; break; fi
    d="$(dirname "$d")"
  done
fi
[ -n "$shared" ] || { echo "shared/ not found (set AIRLOCK_SHARED)" >&2; exit 2; }
vendor="$shared/vendors/stripe-openapi-2022-04-12"
work="${TMPDIR:-/tmp}/airlock-json-bench"
mkdir -p "$work"
large="$work/large-charges.json"
[ -s "$large" ] || python3 "$here/gen_large.py" "$vendor/fixtures3.json" "$large"

python3 -c "import jsonschema_rs" 2>/dev/null || pip install --quiet jsonschema-rs
python3 -c "import jsonschema" 2>/dev/null || pip install --quiet jsonschema

(cd "$pkg" && flock /tmp/airlock-build.lock swift build -c release --product airlock-json-bench >/dev/null)
bin="$(cd "$pkg" && swift build -c release --show-bin-path)/airlock-json-bench"

echo "== AirlockJSON (release)"
a_stripe=$("$bin" --stripe "$vendor/spec3.json" "$vendor/fixtures3.json" --reps "${REPS:-3000}")
echo "$a_stripe" | head -1 | sed 's/^/stripe: /'
a_large=$(/usr/bin/time -f "peak RSS %M KiB" "$bin" --schema "$vendor/spec3.json" --pointer /components/schemas/charge \
  --items --reps 5 "$large" 2>"$work/time.txt")
echo "$a_large" | head -1 | sed 's/^/large: /'
echo "$a_large" | grep '^MEMORY' | sed 's/^MEMORY /large: /'
cat "$work/time.txt"
echo "== Python baselines"
py=$(python3 "$here/python_bench.py" "$vendor/spec3.json" "$vendor/fixtures3.json" "$large")
echo "$py" | grep -v '^RESULT'

python3 - "$a_stripe" "$a_large" "$py" "$(stat -c %s "$large")" "$(grep -o '[0-9]*' "$work/time.txt" | head -1)" <<'PY'
import sys
a_stripe, a_large, py, size, rss = sys.argv[1:6]
def res(text):
    return [l.split() for l in text.splitlines() if l.startswith("RESULT")]
ours = {"stripe": float(res(a_stripe)[0][1]), "large": float(res(a_large)[0][1])}
print("== Ratios (Airlock MB/s ÷ baseline MB/s)")
for r in res(py):
    lib, case, mbs = r[1], r[2], float(r[3])
    print(f"{case:6s} vs {lib:13s}: {ours[case]:8.1f} / {mbs:8.1f} = {ours[case] / mbs:6.2f}x")
print(f"peak RSS of the whole process on the large document: {int(rss) / 1024:.0f} MiB for a {int(size) / 1e6:.1f} MB "
      f"document ({int(rss) * 1024 / int(size):.1f}x, including the 4 MB Stripe spec loaded and compiled)")
PY
