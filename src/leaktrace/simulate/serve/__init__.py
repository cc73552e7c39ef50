"""The simulated dark web: market/forum server on loopback and a SOCKS5h proxy for its onions.

`running_world(outdir)` serves a world in-process (tests, crawler benchmarks,
demo); `leaktrace simulate serve OUTDIR` runs it in the foreground.
docs/simulate-serve.md shows both.
"""

from __future__ import annotations

from leaktrace.simulate.serve.app import Behaviour, build_app
from leaktrace.simulate.serve.live import LiveConfig
from leaktrace.simulate.serve.runner import ServedWorld, running_world

__all__ = ["Behaviour", "LiveConfig", "ServedWorld", "build_app", "running_world"]
