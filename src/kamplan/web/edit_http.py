"""The write side of ``kamplan serve --edit``: a local server that writes files, and what guards it.

Without ``--edit`` none of this exists (the server answers any POST with 501). With it:

* every request must name the server by ``127.0.0.1:PORT`` or ``localhost:PORT`` in ``Host`` (a page
  of another site that rebinds its DNS name to 127.0.0.1 is refused, reads included);
* a writing request (POST) must come from this server's own pages (``Origin`` exactly
  ``http://127.0.0.1:PORT`` or ``http://localhost:PORT``), carry the run's random token in the
  ``X-Kamplan-Token`` header (a custom header: another site's form cannot send it, and its fetch
  cannot without a CORS preflight, which is never granted), and send JSON of at most 64 KB;
* the token reaches the pages through the address printed on the terminal (``?token=``), kept in
  an ``HttpOnly``, ``SameSite=Strict`` cookie for the other pages, and given to the page's script only;
* the pages keep the site's Content-Security-Policy; the editor's script and style are allowed by
  their hashes, and ``connect-src 'self'`` (for the reload poll and the edits) is all that is added.
"""

from __future__ import annotations

import hmac
import http.server
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kamplan.render.html import asset, json_script
from kamplan.web.serve import allowing

EDIT_PATH, UNDO_PATH, CHANGES_PATH, COMMIT_PATH = ("/__kamplan/edit", "/__kamplan/undo", "/__kamplan/changes",
                                                   "/__kamplan/commit")
COOKIE = "kamplan_edit"
MAX_BODY = 64 * 1024


def with_editor(page: str, config: dict[str, Any]) -> str:
    """An account page with the editor: its settings as JSON data, its script and style allowed by hash."""
    script, style = asset("editor.js"), asset("editor.css")
    extra = (f'<style>{style}</style>\n<script type="application/json" id="kamplan-edit">{json_script(config)}'
             f"</script>\n<script>{script}</script>\n")
    return allowing(page, scripts=[script], styles=[style]).replace("</body>", extra + "</body>", 1)


def editing_handler(base: type[Any], preview: Any) -> type[http.server.BaseHTTPRequestHandler]:
    """``base`` (the preview's handler) with the checks above and the write endpoints."""
    editor = preview.editor

    class EditingHandler(base):
        def _port(self) -> int:
            return int(self.server.server_address[1])

        def _host_ok(self) -> bool:
            return self.headers.get("Host", "") in (f"127.0.0.1:{self._port()}", f"localhost:{self._port()}")

        def _token_ok(self, given: str | None) -> bool:
            return bool(given) and hmac.compare_digest(str(given), editor.token)

        def _cookie_token(self) -> str | None:
            for part in self.headers.get("Cookie", "").split(";"):
                name, _, value = part.strip().partition("=")
                if name == COOKIE:
                    return value
            return None

        def _json(self, status: int, body: dict[str, Any], headers: tuple[tuple[str, str], ...] = ()) -> None:
            self._send(status, "application/json; charset=utf-8", json.dumps(body, ensure_ascii=False).encode(),
                       headers)

        def do_GET(self) -> None:
            if not self._host_ok():
                self._json(403, {"error": "unexpected Host header"})
                return
            url = urlsplit(self.path)
            given = parse_qs(url.query).get("token", [None])[0]
            if url.path == CHANGES_PATH:
                if not self._token_ok(self.headers.get("X-Kamplan-Token")):
                    self._json(403, {"error": "missing or wrong token"})
                    return
                self._json(*editor.changes())
                return
            self._granted = self._token_ok(given) or self._token_ok(self._cookie_token())
            self._set_cookie = self._token_ok(given)
            super().do_GET()

        def page(self, page: str, relative: Path) -> str:
            if not getattr(self, "_granted", False) or relative.parent.name != "accounts":
                return page
            config = editor.page_config(relative.stem)
            return with_editor(page, config) if config is not None else page

        def _send(self, status: int, kind: str, body: bytes, headers: Any = ()) -> None:
            if getattr(self, "_set_cookie", False):
                headers = (*headers, ("Set-Cookie", f"{COOKIE}={editor.token}; HttpOnly; SameSite=Strict; Path=/"))
                self._set_cookie = False
            super()._send(status, kind, body, headers)

        def do_POST(self) -> None:
            port = self._port()
            if not self._host_ok():
                self._json(403, {"error": "unexpected Host header"})
                return
            if self.headers.get("Origin") not in (f"http://127.0.0.1:{port}", f"http://localhost:{port}"):
                self._json(403, {"error": "writes are accepted from this server's own pages only"})
                return
            if not self._token_ok(self.headers.get("X-Kamplan-Token")):
                self._json(403, {"error": "missing or wrong token"})
                return
            if not self.headers.get("Content-Type", "").startswith("application/json"):
                self._json(415, {"error": "JSON only"})
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if not 0 < length <= MAX_BODY:
                self._json(413, {"error": "a request body of at most 64 KB"})
                return
            try:
                request = json.loads(self.rfile.read(length))
            except ValueError:
                self._json(400, {"error": "not JSON"})
                return
            if not isinstance(request, dict):
                self._json(400, {"error": "a JSON object, please"})
                return
            route = {EDIT_PATH: editor.edit, UNDO_PATH: editor.undo, COMMIT_PATH: editor.commit}.get(self.path)
            if route is None:
                self._json(404, {"error": "no such endpoint"})
                return
            self._json(*route(request))

    return EditingHandler
