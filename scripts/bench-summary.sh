#!/usr/bin/env bash
# Prints the median (and mean) of every criterion benchmark under target/criterion,
# from the estimates of the last run: one line per benchmark.
set -euo pipefail
dir="${1:-target/criterion}"
find "$dir" -path '*/new/estimates.json' | sort | while read -r f; do
  name="${f#"$dir"/}"
  name="${name%/new/estimates.json}"
  python3 - "$f" "$name" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
def fmt(ns):
    for unit, div in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= div:
            return f"{ns / div:.3g} {unit}"
    return f"{ns:.3g} ns"
print(f"{sys.argv[2]:<40} median {fmt(e['median']['point_estimate']):>10}   mean {fmt(e['mean']['point_estimate']):>10}")
PY
done
