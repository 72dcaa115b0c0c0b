"""Fixtures of the engine's tests: a deployment of several processes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from pickbay.runtime import Runtime
from tests.conftest import REDIS_URL, paused_clock, settings_for


@pytest.fixture
async def deployment(postgres_url: str) -> AsyncIterator[list[Runtime]]:
    """Three runtimes on one PostgreSQL and one Redis, as three `pickbay serve` would be."""
    prefix = f"pickbay-test-{uuid.uuid4().hex[:8]}:"
    runtimes = []
    for _ in range(3):
        rt = Runtime(settings_for(postgres_url, redis_url=REDIS_URL), clock=paused_clock())
        rt.backplane._prefix = prefix  # type: ignore[attr-defined]
        runtimes.append(rt)
    await asyncio.gather(*(rt.start() for rt in runtimes))
    try:
        yield runtimes
    finally:
        for rt in runtimes:
            await rt.stop()
