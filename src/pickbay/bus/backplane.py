"""Publish/subscribe between pickbay processes: in memory for one process, Redis for many."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[[bytes], None]


class Backplane(ABC):
    """Channels of byte messages; every subscriber of a channel gets each message once."""

    @abstractmethod
    async def start(self) -> None:
        """Connect."""

    @abstractmethod
    async def close(self) -> None:
        """Disconnect and drop every subscription."""

    @abstractmethod
    async def publish(self, channel: str, message: bytes) -> None:
        """Send `message` to every subscriber of `channel`, in every process."""

    @abstractmethod
    async def subscribe(self, channel: str, handler: Handler) -> Callable[[], None]:
        """Call `handler` for each message on `channel`; returns a function that unsubscribes."""

    @abstractmethod
    async def put(self, values: dict[str, bytes], ttl: float) -> None:
        """Keep each value under its key for `ttl` seconds, where every process finds it."""

    @abstractmethod
    async def get(self, key: str) -> bytes | None:
        """The value kept under `key`, if it is there and has not expired."""

    async def ping(self) -> bool:
        """Whether the backplane can carry messages now."""
        return True


class _Subscribers:
    def __init__(self) -> None:
        self.by_channel: dict[str, list[Handler]] = {}

    def add(self, channel: str, handler: Handler) -> Callable[[], None]:
        self.by_channel.setdefault(channel, []).append(handler)

        def remove() -> None:
            handlers = self.by_channel.get(channel, [])
            if handler in handlers:
                handlers.remove(handler)

        return remove

    def deliver(self, channel: str, message: bytes) -> None:
        for handler in list(self.by_channel.get(channel, ())):
            try:
                handler(message)
            except Exception:  # one bad subscriber must not starve the others
                log.exception("backplane subscriber failed on %s", channel)


class MemoryBackplane(Backplane):
    """One process: messages go straight to this process's subscribers, in order."""

    def __init__(self) -> None:
        self._subscribers = _Subscribers()
        self._kept: dict[str, tuple[float, bytes]] = {}  # key -> (expiry, value)

    async def start(self) -> None:
        """Nothing to connect to."""

    async def put(self, values: dict[str, bytes], ttl: float) -> None:
        """Keep the values in this process (forgetting what has expired)."""
        now = time.monotonic()
        self._kept = {k: v for k, v in self._kept.items() if v[0] > now}
        self._kept.update({key: (now + ttl, value) for key, value in values.items()})

    async def get(self, key: str) -> bytes | None:
        """A value kept in this process."""
        found = self._kept.get(key)
        return found[1] if found is not None and found[0] > time.monotonic() else None

    async def publish(self, channel: str, message: bytes) -> None:
        """Deliver to local subscribers."""
        self._subscribers.deliver(channel, message)

    async def subscribe(self, channel: str, handler: Handler) -> Callable[[], None]:
        """Subscribe locally."""
        return self._subscribers.add(channel, handler)

    async def close(self) -> None:
        """Forget every subscriber."""
        self._subscribers.by_channel.clear()


class RedisBackplane(Backplane):
    """Redis pub/sub: one connection publishes, one listens for every channel subscribed.

    Redis may be down when the process starts, or go away later: the listener keeps trying
    to (re)connect, once a second, and subscribes again to every channel when it is back.
    Meanwhile publishing fails (callers fall back on reading the database) and, when Redis
    returns, every channel's handlers are called once, since what was published meanwhile is
    lost.
    """

    def __init__(self, url: str, *, prefix: str = "pickbay:", retry_seconds: float = 1.0) -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.Redis.from_url(
            url, socket_connect_timeout=retry_seconds, socket_timeout=None
        )
        self._prefix = prefix
        self._retry = retry_seconds
        self._pubsub: Any = None
        self._listener: asyncio.Task[None] | None = None
        self._subscribers = _Subscribers()
        self.connected = False

    async def start(self) -> None:
        """Connect and start listening (connecting in the background if Redis cannot be
        reached now)."""
        try:
            await self._connect()
            self.connected = True
        except Exception as exc:
            log.warning("redis backplane: %s; polling the database until it is back", exc)
            await self._drop_pubsub()
        self._listener = asyncio.create_task(self._listen(rejoined=not self.connected))

    async def ping(self) -> bool:
        """Whether Redis answers now."""
        try:
            return bool(await asyncio.wait_for(self._redis.ping(), self._retry))
        except Exception:
            return False

    async def _connect(self) -> None:
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        # redis-py's listener needs one subscription before it can run.
        channels = [self._prefix + "_"] + [self._prefix + c for c in self._subscribers.by_channel]
        await self._pubsub.subscribe(*channels)

    async def _listen(self, *, rejoined: bool) -> None:
        while True:
            try:
                if not self.connected:
                    await self._connect()
                    self.connected = True
                    if rejoined:
                        log.warning("redis backplane: connected again")
                        for channel in list(self._subscribers.by_channel):
                            self._subscribers.deliver(channel, b"")
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.connected or not rejoined:
                    log.warning("redis backplane: %s; polling the database until it is back", exc)
                self.connected = False
                rejoined = True
                await self._drop_pubsub()
                await asyncio.sleep(self._retry)
                continue
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"].decode()[len(self._prefix) :]
            self._subscribers.deliver(channel, message["data"])

    async def _drop_pubsub(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
            self._pubsub = None

    async def publish(self, channel: str, message: bytes) -> None:
        """PUBLISH to Redis; every process's listener delivers it (this one's too)."""
        await self._redis.publish(self._prefix + channel, message)

    async def put(self, values: dict[str, bytes], ttl: float) -> None:
        """SET each key with an expiry, in one round trip."""
        pipe = self._redis.pipeline(transaction=False)
        for key, value in values.items():
            pipe.set(self._prefix + key, value, px=max(1, round(ttl * 1000)))
        await pipe.execute()

    async def get(self, key: str) -> bytes | None:
        """GET the key."""
        found: bytes | None = await self._redis.get(self._prefix + key)
        return found

    async def subscribe(self, channel: str, handler: Handler) -> Callable[[], None]:
        """SUBSCRIBE once per channel; handlers share it (subscribed on reconnect if down)."""
        first = channel not in self._subscribers.by_channel
        remove = self._subscribers.add(channel, handler)
        if first and self.connected:
            try:
                await self._pubsub.subscribe(self._prefix + channel)
            except Exception:
                log.warning("redis backplane: could not subscribe to %s now", channel)
        return remove

    async def close(self) -> None:
        """Stop listening and disconnect."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._drop_pubsub()
        await self._redis.aclose()
        self._subscribers.by_channel.clear()


def backplane_for(redis_url: str | None) -> Backplane:
    """Redis when a URL is configured, else in memory."""
    return RedisBackplane(redis_url) if redis_url else MemoryBackplane()
