"""Settings of one running web app (what ``edxlab serve`` parsed)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WebConfig:
    """How the web app serves one project database.

    ``token``: when set, every page except ``/healthz`` and ``/login`` needs
    ``Authorization: Bearer <token>`` or the session cookie the login form sets.
    ``read_only``: the database is opened read-only and the import page is disabled.
    ``max_upload_mb``: the largest upload accepted (the whole request body).
    """

    db: Path
    token: str | None = None
    read_only: bool = False
    max_upload_mb: float = 50.0
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
