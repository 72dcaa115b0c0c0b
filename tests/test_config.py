"""Settings: the rule that keeps the sandbox's published credentials off the network."""

from __future__ import annotations

import pytest

from pickbay.config import Settings, default_credentials, exposure_refusal, is_loopback

OWN = {
    "admin_token": "a-secret",
    "dev_api_key": "",
    "itempath_admin_password": "another-secret",
    "greymatter_token": "a-third-secret",
    "greymatter_admin_password": "",
}


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.7", False),
        ("pickbay.example", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_every_published_default_is_named() -> None:
    assert default_credentials(Settings()) == [
        "PICKBAY_ADMIN_TOKEN",
        "PICKBAY_DEV_API_KEY",
        "PICKBAY_ITEMPATH_ADMIN_PASSWORD",
        "PICKBAY_GREYMATTER_TOKEN",
        "PICKBAY_GREYMATTER_ADMIN_PASSWORD",
    ]
    assert default_credentials(Settings(**OWN)) == []  # type: ignore[arg-type]
    assert default_credentials(Settings(admin_token="x")) == [
        "PICKBAY_DEV_API_KEY",
        "PICKBAY_ITEMPATH_ADMIN_PASSWORD",
        "PICKBAY_GREYMATTER_TOKEN",
        "PICKBAY_GREYMATTER_ADMIN_PASSWORD",
    ]


def test_the_network_gets_no_default_credential_unless_the_user_opts_in() -> None:
    refusal = exposure_refusal(Settings(**{**OWN, "greymatter_token": "dev"}), "0.0.0.0")  # type: ignore[arg-type]
    assert refusal is not None
    assert "PICKBAY_GREYMATTER_TOKEN" in refusal
    assert "PICKBAY_ADMIN_TOKEN" not in refusal
    assert "--allow-default-credentials" in refusal
    assert exposure_refusal(Settings(), "127.0.0.1") is None
    assert exposure_refusal(Settings(**OWN), "0.0.0.0") is None  # type: ignore[arg-type]
    assert exposure_refusal(Settings(allow_default_credentials=True), "0.0.0.0") is None
