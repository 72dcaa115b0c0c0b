"""The one place that reads configuration (environment variables `PICKBAY_*`)."""

from __future__ import annotations

import ipaddress

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting pickbay reads, with its sandbox default."""

    model_config = SettingsConfigDict(env_prefix="PICKBAY_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///pickbay.db",
        description="SQLAlchemy URL; an SQLite file by default, postgresql+asyncpg://... to scale",
    )
    admin_token: str = Field(default="dev", description="bearer token of pickbay's own API")
    dev_api_key: str = Field(
        default="dev", description="Pickup Cloud key created on start; empty to disable"
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis backplane shared by several processes (redis://...); memory if unset",
    )
    relay_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="how often the event relay reads the log when no commit rang the backplane",
    )
    scheduler: bool = Field(default=True, description="run the timer scheduler in this process")
    demo_scripts: bool = Field(default=True, description="honour $input-... in relatedNotes")
    seed: int | None = Field(
        default=None,
        ge=0,
        le=2**63 - 1,
        description="make generated codes and ids repeat run after run (tests only: they can "
        "then be foreseen)",
    )
    preparation_days: int = Field(
        default=1, ge=0, le=30, description="days before a recurrent due date that input opens"
    )
    pickup_expiry_days: int = Field(
        default=14, ge=1, le=365, description="days an uncollected order waits before expiring"
    )
    itempath_admin_password: str = Field(
        default="admin", description="password of the ItemPath user admin; empty for none"
    )
    itempath_import_seconds: float = Field(
        default=2.0, ge=0, description="virtual seconds before the lift imports a posted order"
    )
    itempath_line_seconds: float = Field(
        default=5.0, ge=0, description="virtual seconds the lift's operator takes per line"
    )
    itempath_auto_process: bool = Field(
        default=True, description="the simulated operator confirms allocated lines by itself"
    )
    itempath_sandbox_materials: bool = Field(
        default=True, description="stock a fresh database with the sandbox materials"
    )
    greymatter_token: str = Field(
        default="dev", description="bearer token of the GreyMatter API; empty refuses every call"
    )
    greymatter_admin_password: str = Field(
        default="admin", description="password of the GreyMatter user admin; empty for none"
    )
    greymatter_token_seconds: int = Field(
        default=3600,
        ge=1,
        le=10 * 365 * 86400,
        description="sandbox seconds an OAuth access token from the token endpoint lasts",
    )
    greymatter_stations: int = Field(
        default=2, ge=1, le=100, description="pick-put stations on the simulated floor"
    )
    greymatter_bins: int = Field(default=4, ge=1, le=100, description="bins at each station")
    greymatter_check_seconds: float = Field(
        default=1.0, ge=0, description="virtual seconds before the floor checks inventory"
    )
    greymatter_rack_seconds: float = Field(
        default=10.0, ge=0, description="virtual seconds a robot takes to bring a rack"
    )
    greymatter_pick_seconds: float = Field(
        default=5.0, ge=0, description="virtual seconds the station operator takes per pick"
    )
    greymatter_auto: bool = Field(
        default=True, description="racks move and operators pick by themselves"
    )
    greymatter_sandbox_stock: bool = Field(
        default=True, description="stock an empty floor with the sandbox products"
    )
    webhooks: bool = Field(
        default=True, description="deliver webhook notifications from this process"
    )
    webhook_retry_seconds: float = Field(
        default=5.0, gt=0, description="virtual seconds before the first retry (then doubling)"
    )
    webhook_retry_max_seconds: float = Field(
        default=3600.0, gt=0, description="the longest wait between two attempts"
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="how long a receiver may take to answer"
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="the largest request body taken; larger ones are 413 without being read",
    )
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="wall seconds a request's line and headers may take to arrive",
    )
    allow_default_credentials: bool = Field(
        default=False,
        description="serve on a non-loopback address although a credential is the sandbox's",
    )


# Credentials whose sandbox defaults are printed in the README: fine on this machine only.
CREDENTIALS = (
    "admin_token",
    "dev_api_key",
    "itempath_admin_password",
    "greymatter_token",
    "greymatter_admin_password",
)


def default_credentials(settings: Settings) -> list[str]:
    """The variables of the credentials still at their published default (empty ones are off)."""
    return [
        f"PICKBAY_{name.upper()}"
        for name in CREDENTIALS
        if getattr(settings, name)
        and getattr(settings, name) == Settings.model_fields[name].default
    ]


def is_loopback(host: str) -> bool:
    """Whether binding `host` reaches this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_refusal(settings: Settings, host: str) -> str | None:
    """Why serving on `host` with these settings would hand the network default credentials
    (None: it would not, or the user opted in)."""
    if is_loopback(host) or settings.allow_default_credentials:
        return None
    found = default_credentials(settings)
    if not found:
        return None
    return (
        f"refusing to serve on {host} with the sandbox's published credentials: set "
        + ", ".join(found)
        + " (an empty PICKBAY_DEV_API_KEY, PICKBAY_ITEMPATH_ADMIN_PASSWORD or"
        " PICKBAY_GREYMATTER_ADMIN_PASSWORD turns that one off), or pass"
        " --allow-default-credentials (PICKBAY_ALLOW_DEFAULT_CREDENTIALS=true) to serve them"
        " anyway"
    )


def normalize_database_url(url: str) -> str:
    """Accept plain postgresql:// and sqlite:// URLs and pick the async drivers for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url
