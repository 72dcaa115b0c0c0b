"""Drives the signalrcore client in its own process (its threads leak sockets otherwise).

Usage: python signalrcore_client.py '<json: url, transport, headers, methods>'
Prints one JSON object a line ({"event": "connected"}, {"event": "message", ...}); a line
on stdin stops it.
"""

from __future__ import annotations

import json
import os
import sys
import threading

from signalrcore.hub_connection_builder import HubConnectionBuilder
from signalrcore.types import HttpTransportType

lock = threading.Lock()


def out(event: dict[str, object]) -> None:
    with lock:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()


def main() -> None:
    options = json.loads(sys.argv[1])
    connection = (
        HubConnectionBuilder()
        .with_url(
            options["url"],
            options={
                "headers": options.get("headers", {}),
                "transport": HttpTransportType(options.get("transport", "WebSockets")),
            },
        )
        .build()
    )
    for method in options.get("methods", []):
        connection.on(
            method, lambda args, m=method: out({"event": "message", "target": m, "args": args})
        )
    connection.on_open(lambda: out({"event": "connected"}))
    connection.on_close(lambda: out({"event": "closed"}))
    connection.start()
    sys.stdin.readline()
    out({"event": "stopping"})
    # Its reader threads block until the server writes; the process ends regardless.
    os._exit(0)


if __name__ == "__main__":
    main()
