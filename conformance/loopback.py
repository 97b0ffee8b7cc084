"""Is a host or URL on this machine's loopback? One answer for the whole harness: the transport check
(LAPOR-HTTP-002), profile validation, the shrink default and the simulator's bind address."""

from __future__ import annotations

import ipaddress
import urllib.parse


def is_loopback_host(host: str) -> bool:
    """`localhost`, `*.localhost` (RFC 6761), 127.0.0.0/8, ::1 and IPv4-mapped ::ffff:127.x; case and a
    trailing dot ignored. Any other name is not loopback, whatever it resolves to (no DNS is asked)."""
    host = (host or "").strip("[]").rstrip(".").lower()
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def is_loopback_url(url: str) -> bool:
    """True for `simulator` (the built-in simulator listens on 127.0.0.1) and for URLs on a loopback host."""
    if url == "simulator":
        return True
    try:
        host = urllib.parse.urlsplit(url).hostname
    except ValueError:
        return False
    return is_loopback_host(host or "")
