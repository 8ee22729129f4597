#!/usr/bin/env bash
# A stand-in third-party API for the README walkthrough: serves scripts/demo-upstream/ on
# 127.0.0.1:8081 (the `demo` upstream of Policies/example.yaml). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/demo-upstream"
echo "demo upstream on http://127.0.0.1:8081 (files under $(pwd))"
exec python3 -m http.server 8081 --bind 127.0.0.1
