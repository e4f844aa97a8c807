#!/usr/bin/env python3
"""A minimal Alertmanager webhook receiver for the end-to-end suite.

    PYTHONPATH=IntegrationTests python3 -m e2e.webhook_receiver --listen 127.0.0.1:0 --out notifications.jsonl

Every POST body (an Alertmanager webhook notification, JSON) is appended to --out as one
JSON line {"received_at": <epoch seconds>, "path": ..., "payload": <the body>} and
flushed at once, so a reader sees each notification as soon as it has been answered.
A body that is not JSON is kept as {"raw": <text>}. Prints "listening on HOST:PORT" once
bound (port 0 picks a free port). Standard library only; loopback use only.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_handler(out_path: str, lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server naming)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            try:
                payload = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                payload = {"raw": body.decode("utf-8", "replace")}
            record = {"received_at": time.time(), "path": self.path, "payload": payload}
            with lock, open(out_path, "a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"webhook receiver\n")

        def log_message(self, fmt: str, *args: object) -> None:
            sys.stderr.write("webhook: " + (fmt % args) + "\n")

    return Handler


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", default="127.0.0.1:0", help="host:port (default 127.0.0.1:0)")
    parser.add_argument("--out", required=True, help="JSON lines file to append notifications to")
    args = parser.parse_args(argv)
    host, _, port = args.listen.rpartition(":")
    server = ThreadingHTTPServer((host or "127.0.0.1", int(port)), make_handler(args.out, threading.Lock()))
    bound_host, bound_port = server.server_address[:2]
    print(f"listening on {bound_host}:{bound_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
