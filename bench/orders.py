"""Create-order throughput and GET latency of one pickbay process on SQLite.

Runs `pickbay serve` (one process, SQLite file, scheduler on, no access log) and, in the same
run, a bare Starlette JSON endpoint under the same uvicorn, both loaded by 32 concurrent
keep-alive HTTP/1.1 clients, so the ratio holds on a noisy machine. Prints the figures.

    python bench/orders.py [--clients 32] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

STARLETTE_APP = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def hello(request):
    return JSONResponse({"hello": "world"})

app = Starlette(routes=[Route("/json", hello)])
"""


COUNTER = itertools.count()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def process(args: list[str], port: int, env: dict[str, str], probe: str) -> Iterator[str]:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + probe, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"{args} did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


class Client:
    """One keep-alive HTTP/1.1 connection that sends prebuilt requests and times answers."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        body = await self.reader.readexactly(length)
        return status, body

    def close(self) -> None:
        self.writer.close()


def request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: bench"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def load(
    base: str, clients: int, seconds: float, make: Callable[[int], bytes], expect: int = 200
) -> tuple[int, float, list[float]]:
    """Run `clients` connections for `seconds`; returns (requests, elapsed, latencies)."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    conns = [Client(host, int(port)) for _ in range(clients)]
    await asyncio.gather(*(c.open() for c in conns))
    stop_at = time.perf_counter() + seconds

    async def worker(c: Client) -> None:
        while time.perf_counter() < stop_at:
            req = make(next(COUNTER))
            t0 = time.perf_counter()
            status, body = await c.send(req)
            latencies.append(time.perf_counter() - t0)
            if status != expect:
                raise RuntimeError(f"unexpected {status}: {body[:200]!r}")

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    elapsed = time.perf_counter() - started
    for c in conns:
        c.close()
    return len(latencies), elapsed, latencies


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


async def main(clients: int, seconds: float) -> None:
    env = {**os.environ}
    env.pop("PICKBAY_DATABASE_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        env["PICKBAY_DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.db'}"
        port = free_port()
        serve = [
            sys.executable,
            "-m",
            "pickbay",
            "serve",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        with process(serve, port, env, "/healthz") as base:
            run = os.urandom(4).hex()

            def create(i: int) -> bytes:
                body = json.dumps(
                    {
                        "orderNumber": f"{run}-{i}",
                        "relatedNotes": "bench",
                        "customerDetails": {"fullName": "Max Mustermann", "city": "Berlin"},
                        "articles": [
                            {"scanCode": "5948912001188", "name": "Aspirin", "quantityOrdered": 2}
                        ],
                    }
                ).encode()
                return request(
                    "POST",
                    "/api/v2/orders",
                    {"x-api-key": "dev", "Content-Type": "application/json"},
                    body,
                )

            await load(base, clients, 1.0, create)  # warm-up
            n, elapsed, lat = await load(base, clients, seconds, create)
            created_max = next(COUNTER)
            pickbay_create = n / elapsed
            print(
                f"create  {n / elapsed:8.0f} orders/s   p50 {pct(lat, 0.5):6.2f} ms   "
                f"p99 {pct(lat, 0.99):6.2f} ms   ({n} in {elapsed:.1f} s, {clients} clients)"
            )

            def get(i: int) -> bytes:
                return request(
                    "GET",
                    f"/api/v2/orders/by-ordernumber/{run}-{i % created_max}",
                    {"x-api-key": "dev"},
                )

            n, elapsed, lat = await load(base, clients, seconds, get)
            print(
                f"get     {n / elapsed:8.0f} req/s      p50 {pct(lat, 0.5):6.2f} ms   "
                f"p99 {pct(lat, 0.99):6.2f} ms"
            )

        app_file = Path(tmp) / "bare_app.py"
        app_file.write_text(STARLETTE_APP)
        port = free_port()
        bare = [
            sys.executable,
            "-m",
            "uvicorn",
            "bare_app:app",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--app-dir",
            tmp,
        ]
        with process(bare, port, env, "/json") as base:

            def hello(i: int) -> bytes:
                return request("GET", "/json", {})

            await load(base, clients, 1.0, hello)
            n, elapsed, lat = await load(base, clients, seconds, hello)
            bare_rps = n / elapsed
            print(
                f"bare    {bare_rps:8.0f} req/s      p50 {pct(lat, 0.5):6.2f} ms   "
                f"p99 {pct(lat, 0.99):6.2f} ms   (Starlette JSON endpoint, same uvicorn)"
            )
        print(f"ratio   create / bare = {pickbay_create / bare_rps:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(main(args.clients, args.seconds))
