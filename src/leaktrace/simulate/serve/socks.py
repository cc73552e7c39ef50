"""A SOCKS5h proxy (RFC 1928, RFC 1929) that resolves the simulated .onion names, as Tor does.

The crawler reaches the simulated markets through the same protocol path it
uses against Tor: hostnames travel to the proxy unresolved (ATYP 3) and the
proxy maps each known onion name to the local market server. It connects
only ever to 127.0.0.1: an IP target that is not loopback is refused with
reply 0x02 (not allowed by ruleset), an unknown name with 0x04 (host
unreachable), a port the onion does not serve with 0x05, a command other
than CONNECT with 0x07, an address type other than 1/3/4 with 0x08. As in
Tor, any username/password is accepted when no credentials are configured
(Tor uses them only to isolate streams).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import secrets
import struct

HANDSHAKE_TIMEOUT_S = 10.0
LOOPBACK = "127.0.0.1"

REP_OK, REP_RULESET, REP_UNREACHABLE, REP_REFUSED, REP_CMD, REP_ATYP = 0x00, 0x02, 0x04, 0x05, 0x07, 0x08


class Socks5Proxy:
    """Serves SOCKS5 on 127.0.0.1; `routes` maps onion hostname -> {virtual port: local port}."""

    def __init__(self, routes: dict[str, dict[int, int]], auth: tuple[str, str] | None = None,
                 loopback_ports: frozenset[int] | None = None) -> None:
        self.routes = {h.lower(): p for h, p in routes.items()}
        self.auth = auth
        # Loopback targets given by IP/"localhost" are limited to these ports (None: any).
        self.loopback_ports = loopback_ports
        self.server: asyncio.Server | None = None

    async def start(self, port: int = 0) -> int:
        self.server = await asyncio.start_server(self._client, LOOPBACK, port)
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            target = await asyncio.wait_for(self._handshake(reader, writer), HANDSHAKE_TIMEOUT_S)
            if target is None:
                return
            up_reader, up_writer = target
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _handshake(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
                         ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        ver, nmethods = await reader.readexactly(2)
        if ver != 5:
            return None
        methods = await reader.readexactly(nmethods)
        if self.auth is None and 0x00 in methods:
            writer.write(b"\x05\x00")
        elif 0x02 in methods:
            writer.write(b"\x05\x02")
            await writer.drain()
            if not await self._userpass(reader, writer):
                return None
        else:
            writer.write(b"\x05\xff")
            await writer.drain()
            return None
        await writer.drain()
        ver, cmd, _rsv, atyp = await reader.readexactly(4)
        if atyp == 1:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif atyp == 4:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        elif atyp == 3:
            (n,) = await reader.readexactly(1)
            host = (await reader.readexactly(n)).decode("ascii", "replace").lower()
        else:
            return await _reply(writer, REP_ATYP)
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        if cmd != 1:
            return await _reply(writer, REP_CMD)
        code, local_port = self._route(atyp, host, port)
        if code != REP_OK:
            return await _reply(writer, code)
        try:
            up = await asyncio.open_connection(LOOPBACK, local_port)
        except OSError:
            return await _reply(writer, REP_REFUSED)
        bound = up[1].get_extra_info("sockname") or (LOOPBACK, 0)
        writer.write(b"\x05\x00\x00\x01" + ipaddress.IPv4Address(LOOPBACK).packed + struct.pack("!H", bound[1]))
        await writer.drain()
        return up

    async def _userpass(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """RFC 1929 sub-negotiation."""
        _ver, ulen = await reader.readexactly(2)
        user = await reader.readexactly(ulen)
        (plen,) = await reader.readexactly(1)
        password = await reader.readexactly(plen)
        ok = self.auth is None or (secrets.compare_digest(user, self.auth[0].encode())
                                   and secrets.compare_digest(password, self.auth[1].encode()))
        writer.write(b"\x01\x00" if ok else b"\x01\x01")
        await writer.drain()
        return ok

    def _route(self, atyp: int, host: str, port: int) -> tuple[int, int]:
        """(reply code, local port): the one place that decides where a stream may go."""
        if atyp == 3 and host.endswith(".onion"):
            ports = self.routes.get(host)
            if ports is None:
                return REP_UNREACHABLE, 0
            return (REP_OK, ports[port]) if port in ports else (REP_REFUSED, 0)
        if atyp == 3 and host != "localhost":
            return REP_UNREACHABLE, 0
        if atyp in (1, 4) and not ipaddress.ip_address(host).is_loopback:
            return REP_RULESET, 0
        if self.loopback_ports is not None and port not in self.loopback_ports:
            return REP_RULESET, 0
        return REP_OK, port


async def _reply(writer: asyncio.StreamWriter, code: int) -> None:
    writer.write(bytes([5, code, 0, 1, 0, 0, 0, 0, 0, 0]))
    await writer.drain()
    return None


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()

