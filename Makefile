# Airlock — the two commands of the README quick start, and a few more.
POLICY ?= Policies/example.yaml
SWIFT  ?= swift

.PHONY: deps build run test check release bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

## Build and run the proxy on $(POLICY) (Ctrl-C stops it cleanly).
run: deps
	$(SWIFT) build --product airlock
	.build/debug/airlock serve --policy $(POLICY)

## Run every test (unit, component and end-to-end).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

check: build
	.build/debug/airlock check --policy $(POLICY)

release: deps
	$(SWIFT) build -c release --product airlock
	$(SWIFT) build -c release --product airlock-canned-bench

bench: release
	bench/xml-bench.sh
	bench/json-bench.sh
	bench/proxy-bench.sh

clean:
	rm -rf .build
