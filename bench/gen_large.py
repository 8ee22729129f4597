"""Writes a ≥ 20 MB JSON array of Stripe charge objects (fixture variations) for bench/json-bench.sh."""
import json, sys

fixtures_path, out_path = sys.argv[1:3]
target = int(sys.argv[3]) if len(sys.argv) > 3 else 20_000_000
charge = json.load(open(fixtures_path))["resources"]["charge"]
items, size, i = [], 2, 0
while size < target:
    c = dict(charge)
    c["id"] = f"ch_{i:012d}"
    c["amount"] = 100 + i % 100000
    c["created"] = 1234567890 + i
    c["metadata"] = {"order": f"o-{i}", "note": "caf\u00e9 \u2603"}
    c["description"] = f"Charge number {i} \"quoted\" line\nbreak"
    raw = json.dumps(c, separators=(",", ":"), ensure_ascii=False)
    items.append(raw)
    size += len(raw.encode()) + 1
    i += 1
with open(out_path, "w", encoding="utf-8") as f:
    f.write("[" + ",".join(items) + "]")
print(f"wrote {out_path}: {size} bytes, {i} charges")
