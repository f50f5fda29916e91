"""HTTP layer benchmark: N loopback GETs of a ~60 KB feed in T threads sharing one
fetch.http.Session, as a fetch of N feeds would make them. The server runs in another
process (threaded, keep-alive), so the CPU reported is the client's alone.

    python benchmarks/http_bench.py                       # 500 GETs, 16 threads, 5 rounds
    python benchmarks/http_bench.py --impl /tmp/pycurl_http.py   # another http.py, e.g.
        # git show main:src/subsample/fetch/http.py > /tmp/pycurl_http.py

Prints, per round, wall time and CPU time (user+sys of this process, all threads), then
the medians. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import resource
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any


def serve(port_out: Any, size: int) -> None:
    body = (b"<rss><channel>" + b"<item><title>x</title></item>" * (size // 29))[:size]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    Handler.disable_nagle_algorithm = True  # headers and body apart: no 40 ms delayed-ACK stall
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.send(server.server_address[1])
    server.serve_forever()


def load(impl: str | None) -> ModuleType:
    if impl is None:
        from subsample.fetch import http

        return http
    spec = importlib.util.spec_from_file_location("http_under_test", impl)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (dataclasses look their module up there)
    spec.loader.exec_module(module)
    return module


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def one_round(net: ModuleType, url: str, requests: int, threads: int) -> tuple[float, float]:
    session = net.Session()
    left = iter(range(requests))
    lock = threading.Lock()
    sizes: list[int] = []

    def work() -> None:
        while True:
            with lock:
                if next(left, None) is None:
                    return
            sizes.append(len(net.get(session, url).body))

    start, cpu_start = time.perf_counter(), cpu()
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall, used = time.perf_counter() - start, cpu() - cpu_start
    session.close()
    assert len(sizes) == requests and len(set(sizes)) == 1, (len(sizes), set(sizes))
    return wall, used


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--size", type=int, default=60_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--impl", help="path of another http.py to measure")
    args = ap.parse_args()

    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=serve, args=(send, args.size), daemon=True)
    server.start()
    port = receive.recv()
    url = f"http://127.0.0.1:{port}/feed"
    net = load(args.impl)
    name = Path(args.impl).name if args.impl else "fetch/http.py"
    one_round(net, url, 50, args.threads)  # warm up: imports, first connections
    walls, cpus = [], []
    for n in range(args.rounds):
        wall, used = one_round(net, url, args.requests, args.threads)
        walls.append(wall)
        cpus.append(used)
        print(f"round {n + 1}: wall {wall:.3f} s, cpu {used:.3f} s")
    print(
        f"{name}: {args.requests} GETs of {args.size} B in {args.threads} threads:"
        f" median wall {statistics.median(walls):.3f} s, median cpu {statistics.median(cpus):.3f} s"
    )
    server.terminate()


if __name__ == "__main__":
    main()
