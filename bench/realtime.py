"""Realtime push: latency, fan-out and memory of the Pickup Cloud hub, beside python-socketio.

One `pickbay serve` process (SQLite, no access log) with N WebSocket clients of one key, held
by a client process on the other core (a minimal WebSocket client on uvloop, speaking SignalR's
JSON protocol). In the same run, a python-socketio ASGI server under the same uvicorn,
broadcasting the same payload to the same number of raw Socket.IO clients, held the same way.

    python bench/realtime.py [--latency-clients 1000] [--fanout 1000 5000] [--idle 10000]
                             [--stalled 5] [--flood 3000]

- latency: after three warm-up pushes (not timed), 100 orders are created over REST, one
  every 250 ms; the time from sending the request to each client's receipt of its
  OrderStateChanged (p50/p99 over every client and order).
- fan-out: 20 orders created at once, each pushed as two messages to every client; the
  deliveries per second from the first request to the last receipt.
- memory (first, on a fresh process): the server's resident memory with N idle, handshaken
  connections, less its memory with none, divided by N.
- stalled readers: the latency test again, with S more clients that handshake and then never
  read (a 4 KB receive buffer); then, with those S alone, what the server's memory grows by
  while F orders are pushed to them (past what it holds for a connection, it closes it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import cast

import httpx
import uvloop

HERE = Path(__file__).resolve()
RS = "\x1e"
DETAIL = False  # --detail: also print when the first and last client heard of each order

SOCKETIO_APP = """
import socketio

sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")
inner = socketio.ASGIApp(sio)

async def app(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == "/emit":
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        import json
        args = json.loads(body)
        await sio.emit("OrderStateChanged", args)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})
        return
    if scope["type"] == "http" and scope["path"] == "/healthz":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    await inner(scope, receive, send)
"""


def raise_file_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


# --------------------------------------------------------------------- client process


class WsClient(asyncio.Protocol):
    """A minimal WebSocket client: frames are parsed just enough to time each message.

    A full client library costs tens of microseconds a frame in Python, and with a thousand
    clients in one process that, not the server, would be what the latency measured. For the
    same reason the process runs on uvloop: on asyncio's own loop it spent 17-26 ms of CPU on
    each push to 1,000 clients, as much as the server, and the last receipts waited for it.
    """

    def __init__(self, kind: str, path: str, host: str, receipts: list[tuple[str, int]]) -> None:
        self.kind, self.path, self.host, self.receipts = kind, path, host, receipts
        self.buffer = b""
        self.upgraded = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        headers = [
            f"GET {self.path} HTTP/1.1",
            f"Host: {self.host}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13",
            "x-api-key: dev",
        ]
        transport.write(("\r\n".join(headers) + "\r\n\r\n").encode())

    def send_text(self, text: str) -> None:
        """One masked text frame (mask of zeros: the payload goes as it is)."""
        data = text.encode()
        assert self.transport is not None
        assert len(data) < 126
        self.transport.write(bytes([0x81, 0x80 | len(data), 0, 0, 0, 0]) + data)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic_ns()
        self.buffer += data
        if not self.upgraded.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self.buffer = self.buffer[end + 4 :]
            self.upgraded.set_result(None)
        while len(self.buffer) >= 2:
            length = self.buffer[1] & 0x7F
            at = 2
            if length == 126:
                length, at = int.from_bytes(self.buffer[2:4], "big"), 4
            elif length == 127:
                length, at = int.from_bytes(self.buffer[2:10], "big"), 10
            if len(self.buffer) < at + length:
                return
            opcode = self.buffer[0] & 0x0F
            payload = self.buffer[at : at + length]
            self.buffer = self.buffer[at + length :]
            if opcode == 1:  # text; a close or control frame carries no news
                self.on_text(payload.decode(), now)

    def on_text(self, frame: str, now: int) -> None:
        if self.kind == "signalr":
            for record in frame.split(RS):
                at = record.find('"arguments":["')
                if at >= 0:
                    name = record[at + 14 : record.index('"', at + 14)]
                    if '"target":"OrderStateChanged"' not in record:
                        name = "+" + name
                    self.receipts.append((name, now))
        elif frame == "2":
            self.send_text("3")  # engine.io ping
        elif frame.startswith('42["OrderStateChanged",["'):
            self.receipts.append((frame[25 : frame.index('"', 25)], now))


async def run_clients(kind: str, base: str, count: int, stalled: int) -> None:
    """Hold `count` connections (and `stalled` that never read); on "report" print receipts."""
    receipts: list[tuple[str, int]] = []
    host, port = base.removeprefix("http://").split(":")
    path = "/hubs/pickup-cloud" if kind == "signalr" else "/socket.io/?EIO=4&transport=websocket"
    loop = asyncio.get_running_loop()

    async def connect(into: list[tuple[str, int]], rcvbuf: int | None = None) -> WsClient:
        sock = socket.socket()
        if rcvbuf is not None:  # before connecting, so the window is small from the start
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        await loop.sock_connect(sock, (host, int(port)))
        _, client = await loop.create_connection(
            lambda: WsClient(kind, path, f"{host}:{port}", into), sock=sock
        )
        await client.upgraded
        if kind == "signalr":
            client.send_text('{"protocol":"json","version":1}' + RS)
        else:
            client.send_text("40")
        return client

    clients = []
    for start in range(0, count, 200):
        batch = range(start, min(count, start + 200))
        clients += await asyncio.gather(*(connect(receipts) for _ in batch))
    ignored: list[tuple[str, int]] = []
    for _ in range(stalled):
        client = await connect(ignored, rcvbuf=4096)
        await asyncio.sleep(0.2)  # its handshake answered (and engine.io's open) before it stalls
        assert client.transport is not None
        client.transport.pause_reading()
        clients.append(client)
    await asyncio.sleep(1)  # handshakes answered
    print("ready", flush=True)
    reader_in = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader_in), sys.stdin)
    while True:
        line = (await reader_in.readline()).decode().strip()
        if line == "report":
            print(json.dumps(receipts), flush=True)
            receipts.clear()
        elif line in ("quit", ""):
            break
    for client in clients:
        assert client.transport is not None
        client.transport.close()


# --------------------------------------------------------------------- driver


class Clients:
    """The client process."""

    def __init__(self, kind: str, base: str, count: int, stalled: int = 0) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE), "clients", kind, base, str(count), str(stalled)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"clients failed: {line!r}")

    def report(self) -> list[tuple[str, int]]:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write("report\n")
        self.proc.stdin.flush()
        return [tuple(r) for r in json.loads(self.proc.stdout.readline())]  # type: ignore[misc]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=60)


class Target:
    """A server under test: how to start it and how to make it push one order's news."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind = kind
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PICKBAY_DATABASE_URL": f"sqlite:///{tmp / f'{kind}.db'}"}
        if kind == "signalr":
            args = [sys.executable, "-m", "pickbay", "serve", "--port", str(self.port)]
            args += ["--no-access-log", "--log-level", "warning"]
        else:
            (tmp / "sio_app.py").write_text(SOCKETIO_APP)
            args = [sys.executable, "-m", "uvicorn", "sio_app:app", "--port", str(self.port)]
            args += ["--no-access-log", "--log-level", "warning"]
        self.proc = subprocess.Popen(
            args, cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{kind} server did not start")
            time.sleep(0.05)
        self.http = httpx.AsyncClient(base_url=self.base, timeout=60)
        self.counter = 0

    async def push(self, name: str) -> None:
        """Make the server push news of order `name` to every client."""
        if self.kind == "signalr":
            r = await self.http.post(
                "/api/v2/orders",
                headers={"x-api-key": "dev"},
                json={"orderNumber": name, "articles": [{"scanCode": "1", "quantityOrdered": 1}]},
            )
        else:
            args = [name, "customer_X", "READYFORINPUT", "2030-01-15T09:00:00.0000000+00:00", None]
            r = await self.http.post("/emit", content=json.dumps(args))
        r.raise_for_status()

    def messages_per_push(self) -> int:
        return 2 if self.kind == "signalr" else 1

    async def close(self) -> None:
        await self.http.aclose()
        self.proc.terminate()
        self.proc.wait(timeout=30)


async def latency(
    target: Target,
    count: int,
    orders: int = 100,
    warm_up: int = 3,
    *,
    stalled: int = 0,
) -> tuple[float, float]:
    clients = Clients(target.kind, target.base, count, stalled)
    # The first pushes of a fresh server pay one-time costs (the HTTP client's connection,
    # the first statements compiled and cached): 60-80 ms each against 10-15 ms after.
    # With them counted, p99 measured those two orders and nothing else. Not timed.
    for i in range(warm_up):
        await target.push(f"W{target.counter}-{i}")
        await asyncio.sleep(0.25)
    sent: dict[str, int] = {}
    answered: list[float] = []
    for i in range(orders):
        name = f"L{target.counter}-{i}"
        sent[name] = time.monotonic_ns()
        await target.push(name)
        answered.append((time.monotonic_ns() - sent[name]) / 1e6)
        await asyncio.sleep(0.25)
    await asyncio.sleep(1)
    receipts = [(n, t) for n, t in clients.report() if n in sent]
    clients.close()
    target.counter += 1
    if len(receipts) != orders * count:
        print(f"  ! {len(receipts)} of {orders * count} receipts")
    lat = [(t - sent[n]) / 1e6 for n, t in receipts]
    if DETAIL:
        by: dict[str, list[float]] = {}
        for n, t in receipts:
            by.setdefault(n, []).append((t - sent[n]) / 1e6)
        firsts = sorted(min(v) for v in by.values())
        lasts = sorted(max(v) for v in by.values())
        print("  first receipt p50", pct(firsts, 0.5), "last receipt p50", pct(lasts, 0.5))
        print("  request answered p50", pct(answered, 0.5))
    return pct(lat, 0.5), pct(lat, 0.99)


async def fanout(target: Target, count: int, orders: int = 20) -> float:
    clients = Clients(target.kind, target.base, count)
    names = [f"F{target.counter}-{i}" for i in range(orders)]
    target.counter += 1
    start = time.monotonic_ns()
    await asyncio.gather(*(target.push(n) for n in names))
    expected = orders * count * target.messages_per_push()
    got: list[tuple[str, int]] = []
    deadline = time.monotonic() + 120
    while len(got) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        got += clients.report()
    clients.close()
    if len(got) < expected:
        print(f"  ! {len(got)} of {expected} deliveries")
    last = max(t for _, t in got)
    return len(got) / ((last - start) / 1e9)


async def stalled_memory(target: Target, stalled: int, flood: int) -> float:
    """MB the server grows by while `flood` orders are pushed to clients that never read."""
    clients = Clients(target.kind, target.base, 0, stalled)
    before = rss_kb(target.proc.pid)
    for start in range(0, flood, 16):
        names = [f"X{target.counter}-{i}" for i in range(start, min(flood, start + 16))]
        await asyncio.gather(*(target.push(n) for n in names))
    await asyncio.sleep(2)
    grown = (rss_kb(target.proc.pid) - before) / 1024
    clients.close()
    target.counter += 1
    return grown


def memory(target: Target, count: int) -> float:
    before = rss_kb(target.proc.pid)
    clients = Clients(target.kind, target.base, count)
    time.sleep(2)
    after = rss_kb(target.proc.pid)
    clients.close()
    time.sleep(3)  # let the server finish closing them before anything is timed
    return (after - before) * 1024 / count


async def main(args: argparse.Namespace) -> None:
    global DETAIL
    DETAIL = args.detail
    raise_file_limit()
    with tempfile.TemporaryDirectory() as tmp:
        for kind, label in (("signalr", "pickbay hub"), ("socketio", "python-socketio")):
            target = Target(kind, Path(tmp))
            try:
                print(f"{label}:")
                # Memory first: a fresh process, before other runs grow and free its heap.
                per = memory(target, args.idle)
                print(f"  memory, {args.idle} idle     {per / 1024:7.1f} KB per connection")
                p50, p99 = await latency(target, args.latency_clients)
                print(
                    f"  latency, {args.latency_clients} clients   "
                    f"p50 {p50:7.2f} ms   p99 {p99:7.2f} ms"
                )
                for n in args.fanout:
                    rate = await fanout(target, n)
                    print(f"  fan-out, {n} clients    {rate:10.0f} messages/s")
                if args.stalled:
                    p50, p99 = await latency(target, args.latency_clients, stalled=args.stalled)
                    print(
                        f"  latency, {args.latency_clients} clients + {args.stalled} stalled"
                        f"   p50 {p50:7.2f} ms   p99 {p99:7.2f} ms"
                    )
                    grew = await stalled_memory(target, args.stalled, args.flood)
                    print(
                        f"  {args.stalled} stalled clients, {args.flood} orders pushed:"
                        f" the server grew {grew:.1f} MB"
                    )
            finally:
                await target.close()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "clients":
        raise_file_limit()
        uvloop.run(run_clients(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])))
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--latency-clients", type=int, default=1000)
        parser.add_argument("--fanout", type=int, nargs="+", default=[1000, 5000])
        parser.add_argument("--idle", type=int, default=10000)
        parser.add_argument("--stalled", type=int, default=5, help="0: skip that test")
        parser.add_argument("--flood", type=int, default=3000)
        parser.add_argument("--detail", action="store_true")
        asyncio.run(main(parser.parse_args()))
