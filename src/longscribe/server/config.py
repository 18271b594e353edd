"""ServerConfig: how ``longscribe serve`` listens, whom it lets in, where jobs live — validated once."""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass

from longscribe.errors import OptionsError
from longscribe.sources import FetchLimits
from longscribe.sources.guard import HostGuard

SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?", re.IGNORECASE)
UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "kib": 2**10, "m": 10**6, "mb": 10**6, "mib": 2**20,
         "g": 10**9, "gb": 10**9, "gib": 2**30, "t": 10**12, "tb": 10**12, "tib": 2**40}  # fmt: skip


def parse_size(text: str) -> int:
    """A size with an optional unit (k, M, G, T in powers of 1000; KiB, MiB, GiB, TiB) -> bytes."""
    match = SIZE.fullmatch(text.strip())
    if not match or match.group(2).lower() not in UNITS:
        raise OptionsError(f"invalid size {text!r} (e.g. 500MB, 4GB)", "max_upload")
    return int(float(match.group(1)) * UNITS[match.group(2).lower()])


def _network(text: str) -> bool:
    try:
        ipaddress.ip_network(text.strip("[]"), strict=False)
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServerConfig:
    """Everything about serving that is not about transcribing (that is ``TranscribeOptions``)."""

    data_dir: str
    """Uploads, results and the job store: jobs survive a restart here."""
    host: str = "127.0.0.1"
    port: int = 8000
    api_key: str | None = None
    """Required of every API request as ``Authorization: Bearer KEY``; None: none (loopback only)."""
    insecure_no_auth: bool = False
    """Allow a non-loopback host without a key."""
    max_upload: int = 4 * 10**9
    jobs: int = 1
    """Jobs transcribed at once, all with the one loaded model (each request's chunks share its workers)."""
    max_queue: int = 64
    """Jobs waiting at most; more are refused with 429."""
    max_jobs_kept: int | None = None
    keep_days: float | None = None
    cors_origin: str | None = None
    log_content: bool = False
    """Log file names and transcript text (off: only ids, sizes, statuses)."""
    voice_library: str | None = None
    """The voice library requests name speakers from (``voices=true``); None: they cannot."""
    allow_url: bool = False
    """Fetch the recordings clients name by URL (``url=``); off, such requests are refused (403)."""
    allow_url_hosts: tuple[str, ...] = ()
    """Hosts (names, addresses, networks) fetched from even when private; others must be public."""
    url_max_seconds: float = 3600.0
    """The longest one download may take."""
    max_live_sessions: int = 4
    """Realtime (live) connections open at once; more are refused with 429."""
    live_max_seconds: float = 4 * 3600.0
    """The most audio one live connection may send; then it ends (its words and job are kept)."""

    def fetch_limits(self) -> FetchLimits:
        """How the server fetches a URL: its upload limit, its time limit, every hop checked."""
        return FetchLimits(
            max_bytes=self.max_upload, max_seconds=self.url_max_seconds, check_url=HostGuard(self.allow_url_hosts)
        )

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if not self.data_dir.strip():
            raise OptionsError("data_dir must not be empty", "data_dir")
        if not self.host.strip() or any(c.isspace() for c in self.host):
            raise OptionsError(f"host must be an address such as 127.0.0.1, got {self.host!r}", "host")
        if not 0 <= self.port <= 65535:
            raise OptionsError(f"port must be within 0..65535, got {self.port}", "port")
        if self.api_key is not None and (not self.api_key or any(c.isspace() for c in self.api_key)):
            raise OptionsError("api_key must be a non-empty word without spaces", "api_key")
        if not is_loopback(self.host) and self.api_key is None and not self.insecure_no_auth:
            raise OptionsError(
                f"refusing to serve {self.host} without an API key: give --api-key/--api-key-file,"
                " or --insecure-no-auth if this is really what you want",
                "host",
            )
        if not 1 <= self.max_upload <= 10**13:
            raise OptionsError(f"max_upload must be within 1 byte..10 TB, got {self.max_upload}", "max_upload")
        for name, high in (("jobs", 16), ("max_queue", 100_000), ("max_live_sessions", 1000)):
            value = getattr(self, name)
            if not 1 <= value <= high:
                raise OptionsError(f"{name} must be within 1..{high}, got {value}", name)
        if self.max_jobs_kept is not None and self.max_jobs_kept < 1:
            raise OptionsError(f"max_jobs_kept must be >= 1, got {self.max_jobs_kept}", "max_jobs_kept")
        if self.keep_days is not None and (not math.isfinite(self.keep_days) or self.keep_days <= 0):
            raise OptionsError(f"keep_days must be above 0, got {self.keep_days}", "keep_days")
        if self.voice_library is not None and not self.voice_library.strip():
            raise OptionsError("voice_library must be a folder", "voice_library")
        if self.allow_url_hosts and not self.allow_url:
            raise OptionsError("--allow-url-hosts lists hosts for --allow-url: give both", "allow_url_hosts")
        bad_host = next(
            (
                h
                for h in self.allow_url_hosts
                if not h or any(c.isspace() or c in "/@:" for c in h.strip("[]")) and not _network(h)
            ),
            None,
        )
        if bad_host is not None:
            raise OptionsError(
                f"allow_url_hosts takes host names, addresses or networks, got {bad_host!r}", "allow_url_hosts"
            )
        for name in ("url_max_seconds", "live_max_seconds"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise OptionsError(f"{name} must be above 0, got {value}", name)
        if self.cors_origin is not None and not re.fullmatch(r"https?://[^\s/]+", self.cors_origin):
            raise OptionsError(
                f"cors_origin must be an origin such as https://example.org, got {self.cors_origin!r}", "cors_origin"
            )
