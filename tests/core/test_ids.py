"""Generated codes and ids: random by default, repeatable with a seed."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from pickbay.core import ids
from pickbay.core.ids import IdSource


@pytest.fixture(autouse=True)
def _unseeded_after() -> Iterator[None]:
    yield
    ids.reseed(None)


def test_a_seed_repeats_every_code_and_guid() -> None:
    a, b, c = IdSource(7), IdSource(7), IdSource(8)
    first = [a.hex(16), a.guid(), a.hex(4)]
    assert first == [b.hex(16), b.guid(), b.hex(4)]
    assert first != [c.hex(16), c.guid(), c.hex(4)]
    assert a.seeded
    assert not IdSource().seeded


def test_codes_and_guids_have_their_shapes() -> None:
    for source in (IdSource(), IdSource(1)):
        assert re.fullmatch(r"[0-9A-F]{32}", source.hex(16))
        guid = source.guid()
        assert guid == guid.upper()
        assert uuid.UUID(guid).version == 4


def test_unseeded_codes_differ_and_reseed_switches_the_process() -> None:
    assert len({ids.hex_code(16) for _ in range(100)}) == 100
    ids.reseed(3)
    seeded = [ids.guid(), ids.hex_code(8)]
    ids.reseed(3)
    assert [ids.guid(), ids.hex_code(8)] == seeded
    ids.reseed(None)
    assert not ids.SOURCE.seeded
