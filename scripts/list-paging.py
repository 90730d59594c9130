#!/usr/bin/env python3
"""Time of one page of the session list at increasing depth, by cursor and by offset.

Seeds a throwaway database with `verdict seed`, serves it with `verdict serve`, then walks
the whole list with `pagination.next_cursor` (1,000 per page) and times each page; offset
pages are timed up to the contract's cap (10,000). Everything is stopped on exit.

    scripts/list-paging.py                  # 100,000 sessions
    SESSIONS=20000 scripts/list-paging.py
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

SESSIONS = int(os.environ.get("SESSIONS", "100000"))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(os.environ.get("VERDICT_BIN", os.path.join(ROOT, "target/release/verdict")))
NAMESPACE = "paging"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    if not os.access(BIN, os.X_OK):
        sys.exit(f"{BIN} is missing: run cargo build --release first")
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, VERDICT_DATA_DIR=f"{work}/data", VERDICT_CONFIG_DIR=f"{work}/config")
        db = f"{work}/server.db"
        subprocess.run([BIN, "seed", "--db", db, "--namespace", NAMESPACE, "--sessions", str(SESSIONS),
                        "--messages", "4"], env=env, check=True, stdout=subprocess.DEVNULL)
        key = subprocess.run([BIN, "keys", "create", "--namespace", NAMESPACE, "--db", db], env=env,
                             check=True, capture_output=True, text=True).stdout.strip()
        port = free_port()
        server = subprocess.Popen([BIN, "serve", "--db", db, "--addr", f"127.0.0.1:{port}"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 1).close()
                    break
                except OSError:
                    if time.time() > deadline:
                        sys.exit("the server did not start within 30 s")
                    time.sleep(0.1)

            def page(query):
                req = urllib.request.Request(
                    f"http://127.0.0.1:{port}/v1/agents/sessions/list?{query}", data=b"{}", method="POST",
                    headers={"Authorization": f"Bearer {key}", "X-Namespace": NAMESPACE,
                             "Content-Type": "application/json"})
                start = time.perf_counter()
                with urllib.request.urlopen(req, timeout=30) as resp:
                    body = json.load(resp)
                return body, (time.perf_counter() - start) * 1000

            page("limit=1000")  # warm the caches
            times, seen, cursor = [], 0, None
            while True:
                body, ms = page("limit=1000" + (f"&cursor={cursor}" if cursor else ""))
                times.append((seen, ms))
                seen += len(body["results"])
                cursor = body["pagination"].get("next_cursor")
                if not cursor:
                    break
            def median_of(query, n=5):
                return statistics.median(page(query)[1] for _ in range(n))

            offsets = {o: median_of(f"limit=1000&offset={o}") for o in (0, 5000, 10_000)}
            print(f"{SESSIONS} sessions, pages of 1,000 (request and JSON decode in Python included)")
            print(f"  by cursor: {len(times)} pages, {seen} sessions, each once: {seen == SESSIONS}")
            for depth, ms in times:
                if depth in (0, 9000, SESSIONS // 2, (len(times) - 1) * 1000):
                    print(f"    page at depth {depth:>6}: {ms:6.1f} ms")
            print(f"    median {statistics.median(ms for _, ms in times):.1f} ms")
            print("  by offset (median of 5): " + ", ".join(f"offset {o}: {ms:.1f} ms" for o, ms in offsets.items())
                  + " (10,000 is the contract's cap)")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
