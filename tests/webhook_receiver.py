"""A webhook receiver on loopback for the tests: it answers as the test tells it (a status,
after a delay), checks every call's signature with the Standard Webhooks library
(``standardwebhooks``, not the service's own code) and keeps what it received."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs
from standardwebhooks.webhooks import Webhook

from adapters.storage import parse_store
from entrypoints.settings import Settings
from tests.conftest import TEST_SECRET


@attrs.frozen
class Received:
    webhook_id: str
    timestamp: int
    signature: str
    body: bytes
    #: Whether the signature is the one the library makes for the secret the test gave.
    verified: bool


@attrs.define
class Reply:
    status: int = 200
    delay: float = 0.0


class Receiver:
    def __init__(self) -> None:
        self.secrets: list[str] = []
        self.received: list[Received] = []
        #: What the next calls are answered, in order; once used up, 200 at once.
        self.replies: list[Reply] = []
        #: Set when a call arrives (before it is answered).
        self.arrived = threading.Event()
        #: Hold every answer until set (a receiver hanging; a send killed meanwhile).
        self.released = threading.Event()
        self.released.set()
        self._lock = threading.Lock()
        self.url = ""

    def verify(self, webhook_id: str, timestamp: int, signature: str, body: bytes) -> bool:
        """The call's signature is among those the library makes for one of the secrets."""
        given = set(signature.split())
        at = datetime.fromtimestamp(timestamp, tz=UTC)
        return any(
            Webhook(secret).sign(webhook_id, at, body.decode()) in given for secret in self.secrets
        )

    def verify_now(self, headers: dict[str, str], body: bytes) -> bool:
        """The library's full check (signature and a timestamp within its tolerance of
        now), for calls signed on the system's clock."""
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
            except Exception:  # noqa: S112 (another secret may verify it)
                continue
            return True
        return False

    def take_reply(self) -> Reply:
        with self._lock:
            return self.replies.pop(0) if self.replies else Reply()

    def record(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)

    def ids(self) -> list[str]:
        with self._lock:
            return [r.webhook_id for r in self.received]


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops the connections of a sender with more
    # calls under way, which then wait a second to retry.
    request_queue_size = 128


@contextmanager
def receiving(port: int = 0) -> Iterator[Receiver]:
    """A receiver on ``port`` of loopback (0: any free one)."""
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            webhook_id = self.headers.get("webhook-id", "")
            timestamp = int(self.headers.get("webhook-timestamp", "0"))
            signature = self.headers.get("webhook-signature", "")
            receiver.record(
                Received(
                    webhook_id=webhook_id,
                    timestamp=timestamp,
                    signature=signature,
                    body=body,
                    verified=receiver.verify(webhook_id, timestamp, signature, body),
                )
            )
            receiver.arrived.set()
            reply = receiver.take_reply()
            receiver.released.wait(60)
            if reply.delay:
                time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                self.send_header("content-length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender gave up waiting

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = _Server(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield receiver
    finally:
        receiver.released.set()
        server.shutdown()
        server.server_close()


def webhook_settings(url: str, data_dir: Path, **overrides: Any) -> Settings:
    """Settings on the store at ``url`` whose webhooks may call the receivers on loopback."""
    return Settings(
        store=parse_store(url),
        data_dir=data_dir,
        secret=TEST_SECRET,
        webhook_allow_private=True,
        **overrides,
    )
