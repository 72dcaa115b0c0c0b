"""Sealed connection tokens: what one process seals, another with the key opens, in time."""

from __future__ import annotations

from pickbay.signalr.tokens import Sealed, Sealer


def test_a_sealed_token_opens_with_the_same_key_only_and_only_in_time() -> None:
    wall = [100.0]
    sealer = Sealer(b"k" * 32, lambda: wall[0], lifetime=15)
    token = sealer.seal("cid", {"tenant": "acme"}, stateful=True)
    assert token is not None
    other = Sealer(b"k" * 32, lambda: wall[0], lifetime=15)
    assert other.open(token) == Sealed("cid", {"tenant": "acme"}, stateful=True)
    assert Sealer(b"x" * 32, lambda: wall[0], lifetime=15).open(token) is None
    body, _, signature = token.partition(".")
    assert other.open(body + "." + signature[::-1]) is None
    assert other.open(body[:-2] + "AA." + signature) is None
    assert other.open("not-a-token") is None
    assert other.open(".") is None
    wall[0] += 16
    assert other.open(token) is None  # a negotiated id that never connected has expired
    assert sealer.seal("cid2", "acme", stateful=False) != sealer.seal(
        "cid2", "acme", stateful=False
    )


def test_a_user_that_is_no_json_gets_no_sealed_token() -> None:
    sealer = Sealer(b"k" * 32, lambda: 0.0, lifetime=15)
    assert sealer.seal("cid", object(), stateful=False) is None
