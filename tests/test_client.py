"""The blocking client: one kept-alive connection, JSON in and out, errors as ApiError."""

from __future__ import annotations

import socket

import pytest

from pickbay.client import ApiError, Client
from pickbay.testing import Pickbay


def test_calls_share_a_connection_and_survive_its_loss(pickbay: Pickbay) -> None:
    client = Client(pickbay.url + "/", pickbay.admin_token)
    assert client.own("GET", "/clock")["paused"] is True
    first = client._conn
    assert client.call("GET", "/healthz").status == 200
    assert client._conn is first  # kept alive
    assert first is not None
    first.sock.shutdown(socket.SHUT_RDWR)  # as when the server closes an idle connection
    assert client.call("GET", "/healthz").status == 200
    client.close()


def test_errors_and_bodies(pickbay: Pickbay) -> None:
    client = Client(pickbay.url, pickbay.admin_token)
    with pytest.raises(ApiError) as refused:
        client.own("POST", "/clock/advance", {"seconds": -1})
    assert refused.value.answer.status == 400
    assert "seconds" in refused.value.answer.text
    login = client.call("POST", "/api/users/login", body={"username": "admin", "password": "x"})
    assert login.status == 404
    assert login.json() is not None
    form = client.call("POST", "/api/users/login", form={"username": "admin"})
    assert form.status == 415
    assert client.call("GET", "/docs").json() is None  # HTML is no JSON
    with pytest.raises(ValueError, match="not an http"):
        Client("ftp://example.com", "t")
    client.close()
