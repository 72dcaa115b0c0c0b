"""Where the engine's generated codes and record ids come from: the system's randomness, or,
in a sandbox started with a seed (`PICKBAY_SEED`), a generator seeded with it, so that a run
made of the same requests in the same order repeats code for code and id for id.

A seeded sandbox's pickup codes can be foreseen by anyone who knows the seed: a seed is for
repeatable test runs, never for a server others reach.
"""

from __future__ import annotations

import random
import secrets
import uuid


class IdSource:
    """Random hex codes and GUIDs, from the system or from a seeded generator."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = None if seed is None else random.Random(seed)

    @property
    def seeded(self) -> bool:
        """Whether the codes repeat run after run."""
        return self._rng is not None

    def hex(self, nbytes: int) -> str:
        """`nbytes` random bytes as upper-case hex."""
        if self._rng is None:
            return secrets.token_hex(nbytes).upper()
        return self._rng.randbytes(nbytes).hex().upper()

    def guid(self) -> str:
        """A version 4 GUID, upper case (as SQL Server writes them)."""
        if self._rng is None:
            return str(uuid.uuid4()).upper()
        return str(uuid.UUID(bytes=self._rng.randbytes(16), version=4)).upper()


# One per process: the runtime seeds it when its settings name a seed.
SOURCE = IdSource()


def reseed(seed: int | None) -> None:
    """Draw from a generator seeded with `seed` from now on (None: the system's randomness)."""
    global SOURCE
    SOURCE = IdSource(seed)


def hex_code(nbytes: int) -> str:
    """A random code of `nbytes` bytes, upper-case hex."""
    return SOURCE.hex(nbytes)


def guid() -> str:
    """A new GUID, upper case."""
    return SOURCE.guid()
