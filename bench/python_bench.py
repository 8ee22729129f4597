"""Baseline timings for bench/json-bench.sh: PyPI jsonschema-rs and jsonschema, json.loads included.

Stripe's spec is OpenAPI 3.0; it is converted in memory to draft-04 JSON Schema (nullable → null allowed)
because neither library understands `nullable`. Prints RESULT lines: RESULT <lib> <case> <MB/s> <docs/s>.
"""
import copy, json, sys, time

spec_path, fixtures_path, large_path = sys.argv[1:4]
libs = sys.argv[4].split(",") if len(sys.argv) > 4 else ["jsonschema_rs", "jsonschema"]


def convert(node):
    if isinstance(node, list):
        return [convert(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: convert(v) for k, v in node.items() if not k.startswith("x-")}
    if out.pop("nullable", False):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = out["enum"] + [None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


spec = json.load(open(spec_path))
components = {"schemas": {k: convert(v) for k, v in spec["components"]["schemas"].items()}}
fixtures = json.load(open(fixtures_path))["resources"]
docs = [(name, json.dumps(value, separators=(",", ":")).encode()) for name, value in fixtures.items()]
large = open(large_path, "rb").read()


def make(lib, name):
    schema = {"$ref": "#/components/schemas/" + name, "components": components}
    if lib == "jsonschema_rs":
        import jsonschema_rs
        return jsonschema_rs.Draft4Validator(schema)
    import jsonschema
    return jsonschema.Draft4Validator(schema)


def best_of(rounds, fn):
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


for lib in libs:
    try:
        validators = {name: make(lib, name) for name, _ in docs}
    except ImportError as e:
        print(f"SKIP {lib}: {e}")
        continue
    reps = 20 if lib == "jsonschema_rs" else 2
    invalid = 0

    def stripe_round():
        global invalid
        for _ in range(reps):
            for name, raw in docs:
                if not validators[name].is_valid(json.loads(raw)):
                    invalid += 1

    t = best_of(3, stripe_round)
    nbytes = sum(len(raw) for _, raw in docs) * reps
    print(f"{lib} stripe: {nbytes / t / 1e6:.1f} MB/s, {len(docs) * reps / t:.0f} docs/s (invalid in rounds: {invalid})")
    print(f"RESULT {lib} stripe {nbytes / t / 1e6:.3f} {len(docs) * reps / t:.3f}")

    charge = make(lib, "charge")

    def large_round():
        global invalid
        for item in json.loads(large):
            if not charge.is_valid(item):
                invalid += 1

    t = best_of(3 if lib == "jsonschema_rs" else 1, large_round)
    print(f"{lib} large: {len(large) / t / 1e6:.1f} MB/s, {1 / t:.2f} docs/s")
    print(f"RESULT {lib} large {len(large) / t / 1e6:.3f} {1 / t:.3f}")
