"""``kamplan serve``: the site on 127.0.0.1, rebuilt through the engine as plans change, pages reloading.

The site is built into a private folder with the same builder as ``kamplan site`` (only pages whose
inputs changed are written again), keeping going past plans with errors: such a plan gets a page of its
diagnostics and a line on the dashboard. A watcher (watchfiles) rebuilds after each change to a plan,
kamplan.yaml or a plugin and bumps a build number; each served page carries a small script that polls
``/__kamplan/build`` and reloads when the number changes (its hash is added to the page's CSP, and
``connect-src 'self'`` lets it ask; nothing else is loosened).
"""

from __future__ import annotations

import contextlib
import errno
import html
import http.server
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kamplan.errors import KamplanError, UsageError
from kamplan.render.html import source_hash

BUILD_PATH = "/__kamplan/build"
RELOAD_SCRIPT = """(function () {
  var seen = null;
  function ask() {
    fetch("%s", {cache: "no-store"}).then(function (r) { return r.text(); }).then(function (build) {
      if (seen !== null && build !== seen) { location.reload(); return; }
      seen = build; setTimeout(ask, 700);
    }).catch(function () { setTimeout(ask, 1500); });
  }
  ask();
})();""".replace("%s", BUILD_PATH)
_CSP = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(")')
NONE = "'none'"
WATCHED_SUFFIXES = (".yaml", ".yml", ".py")
GIT_LOG_OF_HEAD = os.path.join("logs", "HEAD")  # inside the git folder: a line per move of HEAD


def allowing(page: str, *, scripts: Sequence[str] = (), styles: Sequence[str] = ()) -> str:
    """``page`` with its CSP also allowing these inline scripts and styles (by hash) and ``connect-src 'self'``;
    nothing else in the policy changes. The caller inserts the scripts and styles."""
    def add(policy: str, directive: str, texts: Sequence[str]) -> str:
        if not texts:
            return policy
        hashes = " ".join(source_hash(t) for t in texts)
        return re.sub(rf"{directive}([^;]*)", lambda m: f"{directive}{m.group(1).replace(NONE, '').rstrip()} {hashes}",
                      policy, count=1)

    def allow(match: re.Match[str]) -> str:
        policy = add(add(html.unescape(match.group(2)), "script-src", scripts), "style-src", styles)
        policy = policy.replace("connect-src 'none'", "connect-src 'self'")
        return match.group(1) + html.escape(policy, quote=True) + match.group(3)

    return _CSP.sub(allow, page, count=1)


def with_reload(page: str) -> str:
    """The page with the reload script, allowed by its own CSP (script hash, ``connect-src 'self'``)."""
    return allowing(page, scripts=[RELOAD_SCRIPT]).replace("</body>", f"<script>{RELOAD_SCRIPT}</script>\n</body>", 1)


@dataclass
class Preview:
    """The built site and its build number; ``rebuild`` makes it again (one build at a time).

    Attributes:
        paths: What to build (as ``kamplan site`` takes it).
        out: The private folder the site is built in.
        build: Increases with each build.
        last_error: Why the last build failed, when it did (shown on the dashboard's place).
    """

    paths: Sequence[str]
    out: Path
    build: int = 0
    last_error: str | None = None
    trends: Callable[[], dict[str, dict[str, list[Any]]]] | None = None
    editor: Any = None  # an EditSession (kamplan.editing) with --edit: the write endpoints exist only then
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def rebuild(self) -> None:
        """Build the site again (pages of unchanged plans are kept; the trends from git read again)."""
        from kamplan.web.site import build_site

        with self._lock:
            try:
                build_site(self.paths, self.out, keep_going=True, trends=self.trends() if self.trends else None)
                self.last_error = None
            except KamplanError as exc:  # e.g. a plugin failing: shown instead of the site
                self.last_error = str(exc)
            self.build += 1


def _handler(preview: Preview) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "kamplan"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == BUILD_PATH:
                self._send(200, "text/plain; charset=utf-8", str(preview.build).encode())
                return
            if preview.last_error is not None and path in ("/", "/index.html"):
                page = ("<!DOCTYPE html><meta charset=utf-8><title>kamplan serve</title>"
                        f"<pre>{_escape(preview.last_error)}</pre></body>")
                self._send(200, "text/html; charset=utf-8", with_reload(page).encode())
                return
            target = _inside(preview.out, "index.html" if path in ("/", "") else path.lstrip("/"))
            if target is None or not target.is_file():
                self._send(404, "text/plain; charset=utf-8", b"not found")
                return
            body = target.read_bytes()
            if target.suffix == ".html":
                page = self.page(with_reload(body.decode("utf-8")), target.relative_to(preview.out))
                self._send(200, "text/html; charset=utf-8", page.encode("utf-8"))
            else:
                self._send(200, "application/octet-stream", body)

        def page(self, page: str, relative: Path) -> str:
            """A served page (the editor adds itself to account pages)."""
            del relative
            return page

        def _send(self, status: int, kind: str, body: bytes, headers: Sequence[tuple[str, str]] = ()) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    if preview.editor is not None:
        from kamplan.web.edit_http import editing_handler

        return editing_handler(Handler, preview)
    return Handler


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inside(root: Path, relative: str) -> Path | None:
    """``root/relative`` when it stays inside ``root`` (no ``..``, no absolute path)."""
    from urllib.parse import unquote

    candidate = (root / unquote(relative)).resolve()
    return candidate if candidate.is_relative_to(root.resolve()) else None


def watched_roots(paths: Sequence[str]) -> list[Path]:
    """The folders to watch: each portfolio root (kamplan.yaml, plans, plugins), else each path."""
    from kamplan.read.discovery import find_config

    roots = []
    for given in paths or ["."]:
        path = Path(given).resolve()
        config = find_config(path if path.is_dir() else path.parent)
        roots.append(config.parent if config else (path if path.is_dir() else path.parent))
    return list(dict.fromkeys(roots))


def _is_input(_change: Any, path: str) -> bool:
    name = os.path.basename(path)
    if path.endswith(GIT_LOG_OF_HEAD):  # a commit, checkout or reset: the trends from git change
        return True
    return path.endswith(WATCHED_SUFFIXES) and ".kamplan_cache" not in path and not name.startswith(".#")


@contextlib.contextmanager
def serving(paths: Sequence[str], port: int, *, trends: Callable[[], dict[str, dict[str, list[Any]]]] | None = None,
            watch_also: Sequence[Path] = (), editor: Any = None,
            ) -> Iterator[tuple[http.server.ThreadingHTTPServer, Preview]]:
    """Build the site, bind 127.0.0.1:``port`` and watch the inputs; yields the server and the preview.

    Args:
        paths: What to build (as ``kamplan site`` takes it).
        port: The port (0: a free one).
        trends: Reads the figures by quarter from git for each build (``serve --history``).
        watch_also: More folders to watch (the git folder's ``logs``: a commit rebuilds the trends).
        editor: With ``--edit``: the :class:`kamplan.editing.session.EditSession` behind the write endpoints.

    Raises:
        UsageError: When the port is taken (or cannot be used).
    """
    import watchfiles

    out = Path(tempfile.mkdtemp(prefix="kamplan-serve-"))
    preview = Preview(list(paths), out, trends=trends, editor=editor)
    stop = threading.Event()
    try:
        preview.rebuild()
        try:
            server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _handler(preview))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(f"port {port} on 127.0.0.1 is already in use: stop what uses it, or pass "
                                 "--port N (0 picks a free port)") from None
            raise UsageError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
        server.daemon_threads = True

        def watch() -> None:
            for _ in watchfiles.watch(*watched_roots(paths), *watch_also, watch_filter=_is_input, stop_event=stop,
                                      debounce=200, step=50, rust_timeout=500, yield_on_timeout=False):
                preview.rebuild()

        watcher = threading.Thread(target=watch, name="kamplan-watch", daemon=True)
        watcher.start()
        try:
            yield server, preview
        finally:
            stop.set()
            server.server_close()
            watcher.join(timeout=5)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def serve(paths: Sequence[str], port: int, announce: Callable[[str], None], open_browser: bool = False, *,
          trends: Callable[[], dict[str, dict[str, list[Any]]]] | None = None, watch_also: Sequence[Path] = (),
          editor: Any = None) -> None:
    """Serve until Ctrl-C (see the module docstring); ``announce`` gets the address to print.

    ``trends``, ``watch_also`` and ``editor`` are as for :func:`serving`; with an editor the address
    carries its token (``?token=...``), as Jupyter's does.
    """
    with serving(paths, port, trends=trends, watch_also=watch_also, editor=editor) as (server, _):
        address = f"http://127.0.0.1:{server.server_address[1]}/"
        if editor is not None:
            address += f"?token={editor.token}"
        announce(address)
        if open_browser:
            import webbrowser

            webbrowser.open(address)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: stop serving, clean up, exit 0
            server.serve_forever(poll_interval=0.2)
