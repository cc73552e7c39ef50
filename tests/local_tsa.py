"""A local RFC 3161 time-stamping authority for tests: OpenSSL's `ts -reply` behind a tiny HTTP server.

The test CA and TSA certificate are generated per test by `openssl`, so no
outside service and no shipped key are involved. `mode` makes the TSA
misbehave on purpose: "wrong-hash" stamps another digest than asked,
"rogue" signs with a certificate from a CA the client does not trust,
"down" closes the port.
"""

from __future__ import annotations

import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_CONF = """\
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
serial = {serial}
crypto_device = builtin
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
signer_digest = sha256
[ tsa_ext ]
extendedKeyUsage = critical,timeStamping
basicConstraints = CA:false
keyUsage = critical,digitalSignature
"""


def _run(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(folder: Path, name: str) -> tuple[Path, Path, Path]:
    """(root cert, TSA cert, TSA key) of a fresh test CA in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tsa.cnf").write_text(_CONF.format(serial=folder / "serial"))
    (folder / "serial").write_text("01\n")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    _run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "3", "-subj", f"/CN={name} Root", cwd=folder)
    _run("req", *ec, "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", f"/CN={name}", cwd=folder)
    _run("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "tsa.pem",
         "-days", "3", "-extfile", "tsa.cnf", "-extensions", "tsa_ext", cwd=folder)
    return folder / "ca.pem", folder / "tsa.pem", folder / "tsa.key"


class LocalTsa:
    """`with LocalTsa(tmp) as tsa:` gives `tsa.url` and `tsa.roots` (the trusted root's PEM file)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.roots, self.cert, self.key = make_ca(folder / "good", "Test TSA")
        self.rogue_dir = folder / "rogue"
        _, self.rogue_cert, self.rogue_key = make_ca(self.rogue_dir, "Rogue TSA")
        self.mode = "ok"
        self.requests = 0
        self._lock = threading.Lock()
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with tsa._lock:
                    tsa.requests += 1
                    reply = tsa.reply(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/tsa"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def reply(self, query: bytes) -> bytes:
        work = self.folder / "work"
        work.mkdir(exist_ok=True)
        (work / "q.tsq").write_bytes(query)
        cert, key, conf = self.cert, self.key, self.folder / "good" / "tsa.cnf"
        if self.mode == "rogue":
            cert, key, conf = self.rogue_cert, self.rogue_key, self.rogue_dir / "tsa.cnf"
        if self.mode == "wrong-hash":
            (work / "other").write_bytes(b"some other head")
            _run("ts", "-query", "-data", "other", "-sha256", "-cert", "-out", "q.tsq", cwd=work)
        _run("ts", "-reply", "-config", str(conf), "-queryfile", "q.tsq", "-inkey", str(key), "-signer", str(cert),
             "-out", "r.tsr", cwd=work)
        return (work / "r.tsr").read_bytes()

    def down(self) -> None:
        """Stop answering: the port is closed, connections are refused."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalTsa:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._server.shutdown()
            self._server.server_close()
        except OSError:
            pass
