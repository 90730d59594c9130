#!/bin/sh
# Load test of the local server with wrk as the load generator, as a cross-check of the
# built-in client: `scripts/load.sh [--seconds S] [--sessions N] [--messages M] ...`
# (the same options as `cargo bench --bench load`). Loopback only; bounded in time.
set -eu
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
    else
        echo "wrk is not installed: install it (on Debian: sudo apt-get install wrk), or run cargo bench --bench load without --wrk." >&2
        exit 1
    fi
fi
exec cargo bench --bench load -- --wrk "$@"
