#!/usr/bin/env bash
# Times XSD validation of generated XML documents with Airlock (airlock-xml-bench, schema compiled once)
# and with `xmllint --noout --schema` (same libxml2), in one run, and prints the ratios.
# Usage: bench/xml-bench.sh [SMALL_DOCS=2000] [BIG_ITEMS=80000] [REPEAT=5]
set -euo pipefail
cd "$(dirname "$0")/.."

SMALL=${1:-2000}
BIG_ITEMS=${2:-80000}
REPEAT=${3:-5}
WORK=$(mktemp -d /tmp/airlock-xml-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if ! command -v xmllint >/dev/null; then
    echo "== installing xmllint (libxml2-utils)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxml2-utils >/dev/null
fi

echo "== building airlock-xml-bench (release)"
flock /tmp/airlock-build.lock swift build -c release --product airlock-xml-bench 2>&1 | tail -1
BIN=$(swift build -c release --show-bin-path)/airlock-xml-bench

echo "== generating $SMALL small documents and one big document ($BIG_ITEMS items) in $WORK"
python3 - "$WORK" "$SMALL" "$BIG_ITEMS" <<'PY'
import os, sys
work, small, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(f"{work}/small")
open(f"{work}/types.xsd", "w").write('''<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="urn:bench:order"
           targetNamespace="urn:bench:order" elementFormDefault="qualified">
  <xs:complexType name="ItemType">
    <xs:sequence>
      <xs:element name="name" type="xs:string"/>
      <xs:element name="quantity" type="xs:positiveInteger"/>
      <xs:element name="price" type="xs:decimal"/>
      <xs:element name="note" type="xs:string" minOccurs="0"/>
    </xs:sequence>
    <xs:attribute name="sku" use="required">
      <xs:simpleType><xs:restriction base="xs:string"><xs:pattern value="[A-Z]{3}-[0-9]{6}"/></xs:restriction></xs:simpleType>
    </xs:attribute>
  </xs:complexType>
</xs:schema>
''')
open(f"{work}/order.xsd", "w").write('''<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="urn:bench:order"
           targetNamespace="urn:bench:order" elementFormDefault="qualified">
  <xs:include schemaLocation="types.xsd"/>
  <xs:element name="order">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="customer" type="xs:string"/>
        <xs:element name="created" type="xs:dateTime"/>
        <xs:element name="items"><xs:complexType><xs:sequence>
          <xs:element name="item" type="ItemType" maxOccurs="unbounded"/>
        </xs:sequence></xs:complexType></xs:element>
      </xs:sequence>
      <xs:attribute name="id" type="xs:string" use="required"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
''')
def order(n, items):
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<order xmlns="urn:bench:order" id="o-{n}">\n'
             f'  <customer>Customer {n} &amp; Söhne</customer>\n  <created>2026-11-29T05:00:00Z</created>\n  <items>\n']
    for i in range(items):
        parts.append(f'    <item sku="ABC-{i % 1000000:06d}"><name>Article {i}</name><quantity>{i % 9 + 1}</quantity>'
                     f'<price>{i % 1000}.{i % 100:02d}</price><note>shelf {i % 37}, bin {i % 11}</note></item>\n')
    parts.append('  </items>\n</order>\n')
    return "".join(parts)
for n in range(small):
    open(f"{work}/small/doc{n:05d}.xml", "w").write(order(n, 5 + n % 10))
open(f"{work}/big.xml", "w").write(order(0, big))
PY
BIG_BYTES=$(stat -c %s "$WORK/big.xml")
SMALL_FILES=("$WORK"/small/*.xml)
echo "   big.xml: $BIG_BYTES bytes; small docs: $(du -sh "$WORK/small" | cut -f1)"

echo "== timing (best of $REPEAT runs; CPU = user+sys of the process, robust to other load on the machine)"
python3 - "$WORK" "$BIN" "$REPEAT" "$SMALL" "$BIG_BYTES" <<'PY'
import glob, os, subprocess, sys, tempfile, time
work, binary, repeat, small, big_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
xsd = f"{work}/order.xsd"
docs = sorted(glob.glob(f"{work}/small/*.xml"))
big = f"{work}/big.xml"

def measure(command):
    best_wall, best_cpu = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - start
            errors.seek(0)
            stderr = errors.read().decode(errors="replace")
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"FAILED ({status}): {' '.join(command[:4])} ...\n{stderr[:400]}")
        cpu = usage.ru_utime + usage.ru_stime
        best_wall = wall if best_wall is None else min(best_wall, wall)
        best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
    return best_wall, best_cpu

cases = [
    (f"{small} small docs, one process", ["xmllint", "--noout", "--schema", xsd, *docs], [binary, xsd, *docs], [binary, xsd, *docs, "--no-sanitize"], small),
    (f"big doc {big_bytes / 1e6:.1f} MB", ["xmllint", "--noout", "--schema", xsd, big], [binary, xsd, big], [binary, xsd, big, "--no-sanitize"], 1),
]
print(f"\n{'case':<34}{'metric':>8}{'xmllint':>10}{'airlock':>10}{'ratio':>7}{'no-sanitize':>13}{'ratio':>7}")
for label, xl, al, an, count in cases:
    x, a, n = measure(xl), measure(al), measure(an)
    for index, metric in ((1, "cpu s"), (0, "wall s")):
        print(f"{label:<34}{metric:>8}{x[index]:>10.3f}{a[index]:>10.3f}{a[index] / x[index]:>7.2f}{n[index]:>13.3f}{n[index] / x[index]:>7.2f}")
    if count > 1:
        print(f"{'  per document (cpu ms)':<34}{'':>8}{x[1] / count * 1e3:>10.3f}{a[1] / count * 1e3:>10.3f}{a[1] / x[1]:>7.2f}{n[1] / count * 1e3:>13.3f}{n[1] / x[1]:>7.2f}")
# In-process phases for the big document (no process start, no file read): xmllint --timing vs --phases.
import re
def phases_xmllint():
    out = subprocess.run(["xmllint", "--noout", "--timing", "--schema", xsd, big], capture_output=True, text=True).stderr
    return {k: int(v) / 1e3 for k, v in re.findall(r"(Parsing|Validating) took (\d+) ms", out)}
def phases_airlock():
    out = subprocess.run([binary, xsd, big, "--phases"], capture_output=True, text=True).stdout
    return {k: float(v) for k, v in re.findall(r"(parse|validate|sanitize) ([0-9.e-]+) seconds", out)}
xp = [phases_xmllint() for _ in range(repeat)]
ap = [phases_airlock() for _ in range(repeat)]
xparse, xvalid = min(p.get("Parsing", 0) for p in xp), min(p.get("Validating", 0) for p in xp)
aparse, avalid, asan = (min(p.get(k, 0) for p in ap) for k in ("parse", "validate", "sanitize"))
print(f"\nbig doc, in-process phases (best of {repeat}, s): xmllint parse {xparse:.3f} + validate {xvalid:.3f}"
      f" = {xparse + xvalid:.3f}; airlock parse {aparse:.3f} + validate {avalid:.3f} = {aparse + avalid:.3f}"
      f" (ratio {(aparse + avalid) / max(xparse + xvalid, 1e-9):.2f}), + sanitize {asan:.3f}")
print("\nairlock = parse (hardened) + XSD + sanitized re-serialization; no-sanitize = parse + XSD like xmllint.")
print("Both include process start and one schema compilation. Target ratio <= 1.2.")
PY

# Optional, deterministic: instruction counts under callgrind (this machine is shared, so wall and CPU
# times swing by +-30%). XML_BENCH_INSTRUCTIONS=1 bench/xml-bench.sh 200 16000 1
if [ "${XML_BENCH_INSTRUCTIONS:-0}" = 1 ] && command -v valgrind >/dev/null; then
  echo "== instruction counts (callgrind; Swift binary stripped of DWARF 5 that valgrind 3.19 cannot read)"
  objcopy --strip-debug "$BIN" "$WORK/airlock-xml-bench"
  count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
  X_SMALL=$(count xmllint --noout --schema "$WORK/order.xsd" "${SMALL_FILES[@]}")
  A_SMALL=$(count "$WORK/airlock-xml-bench" "$WORK/order.xsd" "${SMALL_FILES[@]}")
  N_SMALL=$(count "$WORK/airlock-xml-bench" "$WORK/order.xsd" "${SMALL_FILES[@]}" --no-sanitize)
  X_BIG=$(count xmllint --noout --schema "$WORK/order.xsd" "$WORK/big.xml")
  A_BIG=$(count "$WORK/airlock-xml-bench" "$WORK/order.xsd" "$WORK/big.xml")
  N_BIG=$(count "$WORK/airlock-xml-bench" "$WORK/order.xsd" "$WORK/big.xml" --no-sanitize)
  python3 -c "
import sys
xs, as_, ns, xb, ab, nb = map(int, sys.argv[1:])
print(f'small docs: xmllint {xs:,}  airlock {as_:,} ({as_ / xs:.2f}x)  no-sanitize {ns:,} ({ns / xs:.2f}x)')
print(f'big doc:    xmllint {xb:,}  airlock {ab:,} ({ab / xb:.2f}x)  no-sanitize {nb:,} ({nb / xb:.2f}x)')
" "$X_SMALL" "$A_SMALL" "$N_SMALL" "$X_BIG" "$A_BIG" "$N_BIG"
fi
