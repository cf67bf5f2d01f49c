"""Which address a server's clients should be told: loopback tests and the advertised URL.

A server bound to 0.0.0.0 (or ::) listens on every interface, but "http://0.0.0.0:P" is
no address a participant's laptop can use; the URL it prints names this machine's
outward address instead (the one its default route leaves from), unless told better.
"""

from __future__ import annotations

import ipaddress
import socket

WILDCARDS = ("0.0.0.0", "::", "")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def outward_address() -> str:
    """This machine's address on its default route (no packet is sent); loopback if none."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: routing only, nothing is sent
        return probe.getsockname()[0]
    except OSError:
        try:
            return socket.gethostbyname(socket.gethostname())
        except OSError:
            return "127.0.0.1"
    finally:
        probe.close()


def advertised_url(host: str, port: int, public_url: str | None = None) -> str:
    """The base URL clients should use for a server bound to host:port."""
    if public_url:
        return public_url.rstrip("/")
    if host in WILDCARDS:
        host = outward_address()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"
