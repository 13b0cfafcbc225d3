"""The webhook benchmark's receiver, in a process of its own (so that it takes no time of
the sender's): answers every POST 200 at once and keeps when each notice's first call
arrived (wall clock, comparable across the two processes); ``GET /arrivals`` answers them
with the number of calls. Prints its port on its first line.

    python -m bench.webhook_receiver
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARRIVALS: dict[str, float] = {}
CALLS = [0]
LOCK = threading.Lock()


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops the connections of a sender with more
    # calls under way, which then wait a second to retry.
    request_queue_size = 128


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        arrived = time.time()
        notice = json.loads(body)["data"]["notice_id"]
        with LOCK:
            CALLS[0] += 1
            ARRIVALS.setdefault(notice, arrived)
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        with LOCK:
            body = json.dumps({"calls": CALLS[0], "arrivals": ARRIVALS}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


def main() -> None:
    server = _Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
