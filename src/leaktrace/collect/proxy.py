"""The proxy rule: every request goes through a SOCKS5h proxy, unless the user says otherwise.

Users' most common complaint about dark-web crawlers is traffic that
silently bypasses Tor, often through local DNS resolution. So: `socks5h`
(names resolved at the proxy) or nothing; plain `socks5` and HTTP proxies
are refused; without `--proxy` Tor's port (127.0.0.1:9050) is used; the
proxy is checked with a SOCKS5 greeting before the crawl starts and the
crawl refuses to start when nothing answers; connecting directly needs an
explicit `--no-proxy`.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from leaktrace.core.errors import ConfigError

DEFAULT_PROXY = "socks5h://127.0.0.1:9050"
CHECK_TIMEOUT_S = 5.0


def resolve_proxy(proxy: str | None, no_proxy: bool) -> str | None:
    """The proxy URL to use, or None only when `no_proxy` was given explicitly."""
    if no_proxy:
        if proxy:
            raise ConfigError("--proxy and --no-proxy contradict each other; give one")
        return None
    proxy = proxy or DEFAULT_PROXY  # Tor's SOCKS port; check_proxy refuses to go on if nothing answers
    parts = urlsplit(proxy)
    if parts.scheme != "socks5h":
        raise ConfigError(
            f"--proxy {proxy}: only socks5h:// is accepted (names must be resolved by the proxy, "
            "never locally, or lookups leak outside Tor)"
        )
    if not parts.hostname or not parts.port:
        raise ConfigError(f"--proxy {proxy}: give host and port, e.g. {DEFAULT_PROXY}")
    return proxy


def check_proxy(proxy: str, timeout_s: float = CHECK_TIMEOUT_S) -> None:
    """Speak the first SOCKS5 exchange with the proxy; ConfigError when it is not one."""
    parts = urlsplit(proxy)
    host, port = parts.hostname or "", parts.port or 0
    methods = b"\x00\x02" if parts.username else b"\x00"
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            sock.sendall(b"\x05" + bytes([len(methods)]) + methods)
            reply = sock.recv(2)
    except OSError as exc:
        raise ConfigError(
            f"proxy {host}:{port} is not reachable ({exc.strerror or exc}): refusing to crawl without a proxy; "
            "start Tor, give --proxy socks5h://HOST:PORT, or --no-proxy to connect directly on purpose"
        ) from exc
    if len(reply) != 2 or reply[0] != 5 or reply[1] == 0xFF:
        raise ConfigError(f"proxy {host}:{port} does not answer as a SOCKS5 proxy")
