"""The server's guard against being used to reach what only it can reach (SSRF).

A client that may name a URL for the server to fetch could name the server's own admin ports, a
cloud metadata address or a machine of the private network behind it. Every URL the server
requests (each redirect hop too) is checked here first: only http and https, and a host whose
every address is public, unless it is listed. The check resolves the name itself; a name that
resolves differently a moment later (DNS rebinding) is not caught: list only hosts you trust.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from longscribe.errors import FetchError, URLRefusedError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class HostGuard:
    """Refuses URLs to private, loopback, link-local and other non-public addresses, but for the
    ``allowed`` hosts (names as written in URLs, addresses, or networks such as ``10.0.0.0/8``)."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.names: set[str] = set()
        self.networks: list[Network] = []
        for entry in allowed:
            try:
                self.networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                self.names.add(entry.lower().rstrip("."))

    def __call__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise URLRefusedError(url, f"refused: only http and https URLs are fetched, not {parts.scheme or 'this'}")
        host = (parts.hostname or "").rstrip(".")
        if not host:
            raise URLRefusedError(url, "refused: the URL names no host")
        if host.lower() in self.names:
            return
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, ValueError) as exc:
            raise FetchError(url, "cannot resolve the host name") from exc
        for *_, sockaddr in found:
            address = _address(str(sockaddr[0]))
            if any(address in network for network in self.networks):
                continue
            if not address.is_global or address.is_multicast:
                raise URLRefusedError(
                    url,
                    f"refused: {host} is a private address ({address}); a server fetches it only when listed"
                    " in --allow-url-hosts",
                )


def _address(text: str) -> Address:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
