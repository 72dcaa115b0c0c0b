"""A pickbay server in a thread of this process, on a free port, its clock paused at a start:
for the pytest plugin and for scenario runs on a fresh server."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pickbay.config import Settings
from pickbay.core.clock import Clock, ClockState

START = datetime(2030, 1, 15, 8, 0, tzinfo=UTC)
STARTUP_SECONDS = 30.0


def settings(database_url: str, **overrides: Any) -> Settings:
    """Sandbox defaults (not the environment's PICKBAY_*), with `overrides`."""
    values = {name: f.default for name, f in Settings.model_fields.items()}
    values.update({"database_url": database_url, "redis_url": None, **overrides})
    return Settings(**values)


@dataclass
class Embedded:
    """A server running in a thread: its URL and settings."""

    url: str
    settings: Settings
    _holder: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def running(self) -> bool:
        """Whether the server's thread is still alive."""
        return bool(self._holder["thread"].is_alive())

    def stop(self) -> None:
        """Stop the server and wait for it."""
        self._holder["server"].should_exit = True
        self._holder["thread"].join(STARTUP_SECONDS)


def start(config: Settings, clock_start: datetime = START) -> Embedded:
    """Start a pickbay server on a free port, its clock paused at `clock_start`."""
    from pickbay.app import create_app
    from pickbay.runtime import Runtime
    from pickbay.serving import Server

    port = _free_port()
    holder: dict[str, Any] = {}

    def serve() -> None:
        try:
            clock = Clock(
                ClockState(anchor=clock_start, wall_anchor=clock_start, paused=True, speed=1.0)
            )
            app = create_app(runtime=Runtime(config, clock=clock))
            server = Server(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
            holder["server"] = server
            server.run()
        except BaseException as exc:  # reported to the caller that waits for the start
            holder["error"] = exc

    thread = threading.Thread(target=serve, name=f"pickbay-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not (holder.get("server") and holder["server"].started):
        if "error" in holder or not thread.is_alive():
            raise RuntimeError(f"pickbay did not start: {holder.get('error')!r}")
        if time.monotonic() > deadline:
            raise RuntimeError("pickbay did not start in time")
        time.sleep(0.01)
    holder["thread"] = thread
    return Embedded(f"http://127.0.0.1:{port}", config, holder)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
