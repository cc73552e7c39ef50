"""Run the market server and the SOCKS5h proxy in a background thread with its own loop.

Tests, the crawler's benchmarks and the demo start the simulated dark web
in-process (`with running_world(outdir) as w:`), while `leaktrace simulate
serve` runs the same thing until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from leaktrace.core.errors import ConfigError
from leaktrace.simulate.serve.app import Behaviour, build_app
from leaktrace.simulate.serve.data import load_world, widen
from leaktrace.simulate.serve.live import Live, LiveConfig, mirror_hosts
from leaktrace.simulate.serve.socks import Socks5Proxy

LOOPBACK_HOSTS = {"127.0.0.1", "localhost"}
START_TIMEOUT_S = 15.0


@dataclass
class ServedWorld:
    """Where the simulated dark web listens and how to log in to each market."""

    http_port: int
    socks_port: int
    hosts: dict[str, str]  # onion hostname -> market id
    credentials: dict[str, dict[str, str]]  # onion hostname -> {username, password}
    encodings: dict[str, str] = field(default_factory=dict)
    changelog: Path | None = None  # live mode: the JSONL truth of every change
    mirrors: dict[str, str] = field(default_factory=dict)  # live mode: mirror onion -> market id (announced later)

    @property
    def proxy_url(self) -> str:
        return f"socks5h://127.0.0.1:{self.socks_port}"

    def url(self, market_id: str, path: str = "/") -> str:
        host = next(h for h, m in self.hosts.items() if m == market_id)
        return f"http://{host}{path}"


class _Runner(threading.Thread):
    def __init__(self, outdir: Path, port: int, socks_port: int, behaviour: Behaviour,
                 socks_auth: tuple[str, str] | None, live: LiveConfig | None = None,
                 markets: int | None = None) -> None:
        super().__init__(name="leaktrace-simulated-darkweb", daemon=True)
        self.world = load_world(outdir)
        if markets is not None:
            self.world = widen(self.world, markets, live.seed if live else 0)
        self.live = live
        self.mirrors = mirror_hosts(self.world, live.seed) if live else {}
        self.port, self.socks_port, self.behaviour, self.socks_auth = port, socks_port, behaviour, socks_auth
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.server: uvicorn.Server | None = None
        self.served: ServedWorld | None = None

    def run(self) -> None:
        self.loop = asyncio.new_event_loop()
        try:
            self.loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to the starting thread
            self.error = exc
            self.ready.set()
        finally:
            self.loop.close()

    async def _main(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted sockets
        sock.bind(("127.0.0.1", self.port))
        http_port = int(sock.getsockname()[1])
        config = uvicorn.Config(build_app({**self.world, **self.mirrors}, self.behaviour), log_level="warning", lifespan="off",
                                access_log=False)
        self.server = uvicorn.Server(config)
        serve = asyncio.create_task(self.server.serve(sockets=[sock]))
        proxy = Socks5Proxy({h: {80: http_port} for h in (*self.world, *self.mirrors)}, self.socks_auth,
                            loopback_ports=frozenset({http_port}))
        socks_port = await proxy.start(self.socks_port)
        while not self.server.started and not serve.done():
            await asyncio.sleep(0.01)
        self.served = ServedWorld(
            http_port, socks_port, {h: m.id for h, m in self.world.items()},
            {h: dict(m.credentials) for h, m in self.world.items()}, {h: m.encoding for h, m in self.world.items()},
            self.live.changelog if self.live else None, {h: m.id for h, m in self.mirrors.items()})
        changes = asyncio.create_task(Live(self.world, self.mirrors, self.live).run()) if self.live else None
        self.ready.set()
        try:
            await serve
        finally:
            if changes is not None:
                changes.cancel()
            await proxy.close()

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        self.join(timeout=10)


@contextlib.contextmanager
def running_world(outdir: Path, *, port: int = 0, socks_port: int = 0, behaviour: Behaviour | None = None,
                  socks_auth: tuple[str, str] | None = None, live: LiveConfig | None = None,
                  markets: int | None = None) -> Iterator[ServedWorld]:
    """Serve `outdir`'s markets and the proxy until the block ends; `live` makes them change (live.py).

    `markets`: serve that many sites, copies of the world's markets beyond its own (data.widen).
    """
    runner = _Runner(outdir, port, socks_port, behaviour or Behaviour(), socks_auth, live, markets)
    runner.start()
    if not runner.ready.wait(START_TIMEOUT_S) or runner.served is None:
        runner.stop()
        raise ConfigError(f"simulated dark web did not start: {runner.error or 'timeout'}")
    try:
        yield runner.served
    finally:
        runner.stop()
