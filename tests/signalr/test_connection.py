"""A connection's stateful buffer, and the checkpoint another server resumes it from."""

from __future__ import annotations

from pickbay.signalr.connection import Connection


def _connection() -> Connection:
    conn = Connection(
        "c", "t", user=None, query={}, stateful_allowed=True, now=0, buffer_limit=1000
    )
    conn.stateful = True
    return conn


def test_the_checkpoint_follows_acknowledgements_by_whole_logged_events() -> None:
    conn = _connection()
    conn.track(b"before")  # not numbered from the log yet: no checkpoint
    assert conn.checkpoint() is None
    conn.acknowledged(1)
    conn.count_from(10)
    assert conn.checkpoint() == (2, 10, 0)
    for position in (11, 11, 13, None, 14):  # event 11 is two messages; None: a completion
        conn.track(b"m", position)
    assert conn.checkpoint() == (2, 10, 1)
    conn.acknowledged(2)  # half of event 11: it is sent again whole
    assert conn.checkpoint() == (2, 10, 1)
    conn.acknowledged(3)
    assert conn.checkpoint() == (4, 11, 1)
    conn.acknowledged(5)  # the completion is acknowledged: nothing unplayable is left
    assert conn.checkpoint() == (6, 13, 0)
    conn.acknowledged(6)
    assert conn.checkpoint() == (7, 14, 0)


def test_a_resumed_connection_numbers_its_next_message_from_the_checkpoint() -> None:
    conn = _connection()
    conn.resume_at(42, 7)
    assert conn.checkpoint() == (42, 7, 0)
    conn.track(b"m", 8)
    conn.acknowledged(42)
    assert conn.checkpoint() == (43, 8, 0)
