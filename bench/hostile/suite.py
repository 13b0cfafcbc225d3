"""Hostile uploads: the peak resident memory a live service spends on each bad input.

Each case starts ``spotlight serve`` over an in-memory store in a process of its own, sets
up what the request needs (a seller, an artist) through HTTP, resets the process's
resident-memory high-water mark (``/proc/<pid>/clear_refs``), sends the hostile request(s)
and reads the high-water mark again. The table gives the growth of the peak over the
resident size just before the request, what stays resident afterwards, and the answer.

``--service-root`` serves another checkout's code (e.g. the one before a fix) with the same
inputs, for a before-and-after comparison.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx2 as httpx

from adapters.clock import SystemClock
from adapters.tokens import TokenSigner
from application.auth import Principal, Role
from bench.machine import cpu_model, usable_cpus
from bench.tables import Table, render_table
from tests.media import bombs

SECRET = secrets.token_urlsafe(32)
ROOT = Path(__file__).resolve().parents[2]
LISTING_FIELDS = {
    "title": "Linen apron",
    "price_minor": "2450",
    "currency": "USD",
    "stock": "10",
    "category": "cooking",
}
VIDEO_FIELDS = {"caption": "my edit", "category": "film-and-tv"}


@dataclass(frozen=True)
class HostilePlan:
    concurrent: int  # listings sent at once in the concurrency case
    json_mib: int

    def describe(self) -> str:
        return (
            f"one fresh service per case; {self.concurrent} listings at once; "
            f"a {self.json_mib} MiB JSON body"
        )


FULL = HostilePlan(concurrent=6, json_mib=100)
QUICK = HostilePlan(concurrent=2, json_mib=20)


@dataclass
class HostileReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    statuses: tuple[str, ...]
    peak_growth_kib: int
    retained_kib: int


Send = Callable[[httpx.Client, Callable[[str, str], dict[str, str]]], list[httpx.Response]]


@dataclass(frozen=True)
class Case:
    name: str
    size: str
    send: Send
    setup: tuple[tuple[str, str, dict[str, str]], ...] = ()  # (role, subject, JSON) to POST


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _status(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def _describe(response: httpx.Response) -> str:
    kind = ""
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        kind = " " + str(response.json().get("type", "")).rsplit(":", 1)[-1]
    return f"{response.status_code}{kind}"


def _listing(images: list[bytes]) -> Send:
    def send(
        client: httpx.Client, auth: Callable[[str, str], dict[str, str]]
    ) -> list[httpx.Response]:
        files = [("image", (f"{n}.png", data, "image/png")) for n, data in enumerate(images)]
        return [
            client.post(
                "/v1/listings", data=LISTING_FIELDS, files=files, headers=auth("seller", "acme")
            )
        ]

    return send


def _at_once(send: Send, times: int) -> Send:
    def many(
        client: httpx.Client, auth: Callable[[str, str], dict[str, str]]
    ) -> list[httpx.Response]:
        with ThreadPoolExecutor(times) as pool:
            futures = [pool.submit(send, client, auth) for _ in range(times)]
            return [response for future in futures for response in future.result()]

    return many


def _video(media: bytes, name: str) -> Send:
    def send(
        client: httpx.Client, auth: Callable[[str, str], dict[str, str]]
    ) -> list[httpx.Response]:
        files = {"media": (name, media, "application/octet-stream")}
        return [
            client.post(
                "/v1/videos", data=VIDEO_FIELDS, files=files, headers=auth("creator", "fan-1")
            )
        ]

    return send


def _track(media: bytes, name: str) -> Send:
    def send(
        client: httpx.Client, auth: Callable[[str, str], dict[str, str]]
    ) -> list[httpx.Response]:
        return [
            client.post(
                "/v1/artists/aiko/tracks",
                data={"title": "Long"},
                files={"media": (name, media, "application/octet-stream")},
                headers=auth("artist", "aiko"),
            )
        ]

    return send


def _json_body(mib: int) -> Send:
    def send(
        client: httpx.Client, auth: Callable[[str, str], dict[str, str]]
    ) -> list[httpx.Response]:
        filler = b"x" * (mib * 2**20)
        body = b'{"name": "' + filler + b'", "kind": "movie"}'
        headers = {**auth("studio", "legendary"), "content-type": "application/json"}
        return [client.post("/v1/titles", content=body, headers=headers)]

    return send


def _cases(plan: HostilePlan) -> list[Case]:
    png = bombs.huge_png()
    video = bombs.huge_video()
    opus = bombs.long_quiet_opus()
    seller = (("seller", "acme", {"name": "Acme"}),)
    artist = (("artist", "aiko", {"name": "Aiko", "region": "JP"}),)

    def kb(data: bytes) -> str:
        return f"{len(data) / 1000:,.1f} kB"

    return [
        Case("listing: 1 PNG 6000x6000 1-bit", kb(png), _listing([png]), seller),
        Case("listing: 10 PNGs 6000x6000", f"10 x {kb(png)}", _listing([png] * 10), seller),
        Case(
            f"{plan.concurrent} listings of 10 PNGs at once",
            f"{plan.concurrent * 10} x {kb(png)}",
            _at_once(_listing([png] * 10), plan.concurrent),
            seller,
        ),
        Case("video: H.264 8192x8192", kb(video), _video(video, "big.mp4")),
        Case("video: Opus 14 min", kb(opus), _video(opus, "long.opus")),
        Case("track: Opus 14 min", kb(opus), _track(opus, "long.opus"), artist),
        Case(f"JSON body {plan.json_mib} MiB", f"{plan.json_mib} MiB", _json_body(plan.json_mib)),
    ]


def _serve(service_root: Path, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    environ = {
        **os.environ,
        "PYTHONPATH": str(service_root),
        "SPOTLIGHT_SECRET": SECRET,
        "SPOTLIGHT_DATA_DIR": str(data_dir),
        "SPOTLIGHT_STORE": "memory://",
        "SPOTLIGHT_SWEEP_INTERVAL": "0",
    }
    command = [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)]
    return subprocess.Popen(  # noqa: S603 - our own module
        [*command, "--log-level", "warning"],
        cwd=service_root,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_until_up(client: httpx.Client, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the service stopped at start-up (exit {server.returncode})")
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the service did not start within 120 s")


def _measure(case: Case, service_root: Path) -> Outcome:
    signer = TokenSigner(SECRET.encode(), SystemClock())

    def auth(role: str, subject: str) -> dict[str, str]:
        token = signer.issue(Principal(Role(role), subject), lifetime=timedelta(hours=1))
        return {"Authorization": f"Bearer {token}"}

    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as scratch:
        server = _serve(service_root, Path(scratch), port)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
                _wait_until_up(client, server)
                for role, subject, body in case.setup:
                    path = {"seller": "/v1/sellers", "artist": "/v1/artists"}[role]
                    client.post(path, json=body, headers=auth(role, subject)).raise_for_status()
                Path(f"/proc/{server.pid}/clear_refs").write_text("5")  # reset VmHWM to VmRSS
                before = _status(server.pid)["VmRSS"]
                try:
                    statuses = tuple(_describe(r) for r in case.send(client, auth))
                except httpx.TransportError as error:
                    statuses = (f"no answer ({type(error).__name__})",)
                after = _status(server.pid) if server.poll() is None else None
        finally:
            server.terminate()
            server.wait(30)
    if after is None:
        return Outcome((*statuses, f"service died ({server.returncode})"), 0, 0)
    return Outcome(statuses, after["VmHWM"] - before, after["VmRSS"] - before)


def _summary(statuses: tuple[str, ...]) -> str:
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return ", ".join(f"{n} x {s}" if n > 1 else s for s, n in counts.items())


#: What one refused bad input may add to the service's peak resident memory. A refusal reads
#: headers and at most one small frame; 64 MiB leaves room for that with FFmpeg's buffers.
BUDGET_MIB = 64


def run(plan: HostilePlan, service_root: Path = ROOT) -> HostileReport:
    report = HostileReport()
    table = Table(
        f"Hostile uploads: peak RSS growth of the service per bad input ({service_root})",
        ("case", "upload", "answer", "peak growth MiB", "retained MiB", "within budget"),
        align="llrrrl",
    )
    worst = 0
    for case in _cases(plan):
        _progress(f"hostile: {case.name}")
        outcome = _measure(case, service_root)
        worst = max(worst, outcome.peak_growth_kib)
        table.add(
            case.name,
            case.size,
            _summary(outcome.statuses),
            f"{outcome.peak_growth_kib / 1024:,.0f}",
            f"{outcome.retained_kib / 1024:,.0f}",
            "yes" if outcome.peak_growth_kib <= BUDGET_MIB * 1024 else "NO",
        )
        if outcome.peak_growth_kib > BUDGET_MIB * 1024:
            report.failures.append(f"{case.name}: over the budget of {BUDGET_MIB} MiB")
        if not all(status.startswith("4") for status in outcome.statuses):
            report.failures.append(
                f"{case.name}: not refused with a 4xx ({_summary(outcome.statuses)})"
            )
    report.lines = [
        f"hostile:  {plan.describe()}; {cpu_model()}, {usable_cpus()} CPUs",
        *render_table(table),
        "",
        f"worst peak growth: {worst / 1024:,.0f} MiB (budget {BUDGET_MIB} MiB per bad input)",
        *(f"failed: {failure}" for failure in report.failures),
    ]
    return report
