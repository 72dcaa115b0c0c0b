"""Create-order throughput and GET latency of one pickbay process on SQLite, beside the mock
integrators would use instead and a bare endpoint.

Runs `pickbay serve` (one process, SQLite file, scheduler on, no access log); Prism 5
(`@stoplight/prism-cli`, installed into bench/js by npm on first use) mocking pickbay's own
Pickup Cloud document (the same calls: it validates each request and answers the documented
example); and a bare Starlette JSON endpoint under the same uvicorn. Each is loaded by the same
32 concurrent keep-alive HTTP/1.1 clients, in rounds that alternate them, so the ratios hold
on a noisy machine. Prints the figures and the ratios.

    python bench/orders.py [--clients 32] [--seconds 10] [--rounds 3] [--no-prism]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
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


HERE = Path(__file__).resolve().parent
PRISM = HERE / "js" / "node_modules" / ".bin" / "prism"


@contextmanager
def process(
    args: list[str],
    port: int,
    env: dict[str, str],
    probe: str,
    headers: dict[str, str] | None = None,
) -> Iterator[str]:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + probe, headers=headers, timeout=1).status_code == 200:
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


def ensure_prism() -> None:
    """Install Prism from bench/js/package-lock.json once."""
    if not PRISM.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed for Prism (or run with --no-prism)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE / "js", check=True)


def pickup_cloud_document(path: Path) -> None:
    """pickbay's own OpenAPI document of the Pickup Cloud API, for Prism to mock."""
    from pickbay import testing
    from pickbay.app import create_app

    documents = create_app(testing.settings("sqlite+aiosqlite://")).state.documents()
    path.write_text(json.dumps(documents["pickup-cloud"]))


def line(label: str, unit: str, n: int, elapsed: float, lat: list[float], note: str = "") -> None:
    print(
        f"  {label:7} {n / elapsed:8.0f} {unit:9} p50 {pct(lat, 0.5):6.2f} ms   "
        f"p99 {pct(lat, 0.99):6.2f} ms   {note}".rstrip()
    )


async def crud(base: str, clients: int, seconds: float, name: str) -> dict[str, float]:
    """Creates, then reads by order number, against one Pickup Cloud API; the rates and p99s."""
    run = os.urandom(4).hex()
    first = next(COUNTER)

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
            "POST", "/api/v2/orders", {"x-api-key": "dev", "Content-Type": "application/json"}, body
        )

    await load(base, clients, 1.0, create)  # warm-up
    n, elapsed, lat = await load(base, clients, seconds, create)
    line("create", "orders/s", n, elapsed, lat, f"{name} ({n} in {elapsed:.1f} s)")
    made = next(COUNTER)
    out = {"create": n / elapsed, "create_p99": pct(lat, 0.99)}

    def get(i: int) -> bytes:
        number = first + 1 + i % (made - first - 1)  # what the creates took, between the two
        return request("GET", f"/api/v2/orders/by-ordernumber/{run}-{number}", {"x-api-key": "dev"})

    n, elapsed, lat = await load(base, clients, seconds, get)
    line("get", "req/s", n, elapsed, lat, name)
    out |= {"get": n / elapsed, "get_p99": pct(lat, 0.99)}
    return out


async def main(clients: int, seconds: float, rounds: int, prism: bool) -> None:
    env = {**os.environ}
    env.pop("PICKBAY_DATABASE_URL", None)
    if prism:
        ensure_prism()
    results: dict[str, list[dict[str, float]]] = {"pickbay": [], "prism": [], "bare": []}
    with tempfile.TemporaryDirectory() as tmp:
        document = Path(tmp) / "pickup-cloud.json"
        pickup_cloud_document(document)
        app_file = Path(tmp) / "bare_app.py"
        app_file.write_text(STARLETTE_APP)
        for r in range(1, rounds + 1):
            print(f"round {r}")
            env["PICKBAY_DATABASE_URL"] = f"sqlite:///{Path(tmp) / f'bench-{r}.db'}"
            port = free_port()
            serve = [sys.executable, "-m", "pickbay", "serve", "--port", str(port)]
            serve += ["--no-access-log", "--log-level", "warning"]
            with process(serve, port, env, "/healthz") as base:
                results["pickbay"].append(await crud(base, clients, seconds, "pickbay"))
            if prism:
                port = free_port()
                mock = [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(document)]
                with process(mock, port, env, "/api/v2/orders", {"x-api-key": "dev"}) as base:
                    results["prism"].append(await crud(base, clients, seconds, "Prism mock"))
            port = free_port()
            bare = [sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(port)]
            bare += ["--no-access-log", "--log-level", "warning", "--app-dir", tmp]
            with process(bare, port, env, "/json") as base:

                def hello(i: int) -> bytes:
                    return request("GET", "/json", {})

                await load(base, clients, 1.0, hello)
                n, elapsed, lat = await load(base, clients, seconds, hello)
                line("bare", "req/s", n, elapsed, lat, "Starlette JSON endpoint, same uvicorn")
                results["bare"].append({"get": n / elapsed})
    print("ratios, round by round")
    for r in range(rounds):
        p = results["pickbay"][r]
        parts = [f"create / bare {p['create'] / results['bare'][r]['get']:.2f}"]
        if prism:
            m = results["prism"][r]
            parts += [
                f"create pickbay / Prism {p['create'] / m['create']:.2f}"
                f" (p99 {p['create_p99']:.1f} vs {m['create_p99']:.1f} ms)",
                f"get pickbay / Prism {p['get'] / m['get']:.2f}"
                f" (p99 {p['get_p99']:.1f} vs {m['get_p99']:.1f} ms)",
            ]
        print(f"  round {r + 1}: " + "; ".join(parts))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-prism", dest="prism", action="store_false")
    args = parser.parse_args()
    asyncio.run(main(args.clients, args.seconds, args.rounds, args.prism))
