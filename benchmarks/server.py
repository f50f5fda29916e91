"""A loopback feed server for benchmarks: serves a corpus folder on several 127.0.0.x
addresses (each stands for a separate host), with ETag/Last-Modified and 304 answers,
a fixed latency per request, and a request counter. Bounded: it stops after --seconds.

    python benchmarks/server.py --corpus benchmarks/corpus --hosts 16 --latency 0.05
"""

from __future__ import annotations

import argparse
import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LAST_MODIFIED = "Sun, 01 Nov 2026 00:00:00 GMT"


class Corpus:
    def __init__(self, folder: Path) -> None:
        self.files = {f"/{p.name}": p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
        self.etags = {k: '"' + hashlib.sha1(v).hexdigest()[:16] + '"' for k, v in self.files.items()}
        self.requests = 0
        self.conditional = 0
        self.not_modified = 0
        self.lock = threading.Lock()


def make_handler(corpus: Corpus, latency: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            time.sleep(latency)
            if self.path == "/_stats":
                body = f"{corpus.requests} {corpus.conditional} {corpus.not_modified}".encode()
                self._send(200, body, "text/plain")
                return
            with corpus.lock:
                corpus.requests += 1
            data = corpus.files.get(self.path)
            if data is None:
                self._send(404, b"not found", "text/plain")
                return
            etag = corpus.etags[self.path]
            inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            if inm or ims:
                with corpus.lock:
                    corpus.conditional += 1
            if inm == etag or (not inm and ims == LAST_MODIFIED):
                with corpus.lock:
                    corpus.not_modified += 1
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            ctype = "application/feed+json" if self.path.endswith(".json") else "application/xml"
            self._send(200, data, ctype, {"ETag": etag, "Last-Modified": LAST_MODIFIED})

        def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

    return Handler


class Servers:
    """One ThreadingHTTPServer per 127.0.0.x address, all on the same port."""

    def __init__(self, corpus: Corpus, hosts: int, latency: float, port: int = 0) -> None:
        handler = make_handler(corpus, latency)
        first = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.port = first.server_address[1]
        self.servers = [first] + [
            ThreadingHTTPServer((f"127.0.0.{i}", self.port), handler) for i in range(2, hosts + 1)
        ]
        for s in self.servers:
            s.daemon_threads = True
            threading.Thread(target=s.serve_forever, daemon=True).start()

    def url(self, i: int, name: str) -> str:
        return f"http://127.0.0.{1 + i % len(self.servers)}:{self.port}/{name}"

    def close(self) -> None:
        for s in self.servers:
            s.shutdown()
            s.server_close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=Path(__file__).parent / "corpus")
    ap.add_argument("--hosts", type=int, default=16)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--seconds", type=float, default=600)
    a = ap.parse_args()
    srv = Servers(Corpus(a.corpus), a.hosts, a.latency, a.port)
    print(f"serving {a.corpus} on 127.0.0.1-{a.hosts} port {srv.port} for {a.seconds:.0f}s")
    time.sleep(a.seconds)
    srv.close()
