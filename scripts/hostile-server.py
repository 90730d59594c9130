#!/usr/bin/env python3
"""A hostile agents-sessions server on 127.0.0.1, for measuring the reviewer (scripts/hostile-rss.sh).

  hostile-server.py PORT MODE
    endless-body     every answer is 200 with a body that never ends
    endless-history  one session whose history always has more, new ids, a growing total
    huge-names       SESSIONS sessions (env, default 500) with 1 MB names and 1 MB user
                     memory, 20 a page whatever the limit asked, item 5 of each page malformed

Everything else is 404. It serves until killed.
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PORT, MODE = int(sys.argv[1]), sys.argv[2]
SESSIONS = int(os.environ.get("SESSIONS", "500"))
PAGE = 20
MB = 1024 * 1024
NAME = "n" * MB
MEMORY = {"notes": "m" * MB}


def session(i, name):
    return {
        "session_id": f"ses_{i:05}", "namespace_id": "ns", "internal_id": f"int_{i}",
        "session_name": name, "status": "active", "message_count": 2,
        "created_at": "2026-11-20T09:00:00Z", "updated_at": "2026-11-20T09:00:00Z",
        "last_activity_at": "2026-11-20T09:00:00Z", "expires_at": "2026-12-20T09:00:00Z",
        "user_memory": MEMORY,
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def query(self):
        q = parse_qs(urlparse(self.path).query)
        return {k: v[0] for k, v in q.items()}

    def send_json(self, value):
        body = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def endless(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b'{"session_id":"ses_x","session_name":"again"},' * 20000
        self.wfile.write(b'{"results":[')
        try:
            while True:
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)

    def do_POST(self):
        self.read_body()
        path = urlparse(self.path).path
        if path != "/v1/agents/sessions/list":
            return self.not_found()
        if MODE == "endless-body":
            return self.endless()
        if MODE == "endless-history":
            s = session(0, "Endless")
            return self.send_json({"results": [s], "total": 1, "pagination": {}})
        q = self.query()
        start = int(q.get("cursor") or q.get("offset") or 0)
        end = min(start + PAGE, SESSIONS)
        results = []
        for i in range(start, end):
            s = session(i, f"{i:05}{NAME}")
            if i % PAGE == 5:
                s["status"] = 42
            results.append(s)
        nxt = str(end) if end < SESSIONS else None
        self.send_json({"results": results, "total": SESSIONS, "pagination": {"next_cursor": nxt}})

    def do_GET(self):
        path = urlparse(self.path).path
        if not path.endswith("/history"):
            return self.not_found()
        if MODE == "endless-body":
            return self.endless()
        offset = int(self.query().get("offset") or 0)
        endless = MODE == "endless-history"
        n = 200 if endless else max(0, 2 - offset)
        messages = [
            {"message_id": f"m{i}", "role": "user" if i % 2 == 0 else "assistant",
             "content": f"message {i} " + "lorem ipsum " * 40, "timestamp": "2026-11-20T09:00:00Z"}
            for i in range(offset, offset + n)
        ]
        self.send_json({
            "session_id": path.split("/")[-2], "messages": messages, "returned_messages": n,
            "total_messages": offset + n + 1 if endless else 2, "has_more": endless,
        })

    def not_found(self):
        body = b'{"success":false,"status":404,"error":{"message":"not here","type":"NotFound"}}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
