"""A helper process that loads the plugin host while this process looks results up in the cache.

After an edit, a command finds most plans in the cache and computes one or two. Computing them needs
the plan models and the plugins, whose imports take longer than looking up a thousand plans; this
process does not need them for the lookup. So, when the cache holds results, a helper is forked
first: it imports and loads the plugin host on the other core while this process stats the files
and reads the stores, then computes the few plans that were missing and sends their results back.
When nothing is missing it is stopped; when many are, the parallel cold path takes over (forked
workers that inherit this process's imports), and the helper is stopped too.

The helper runs exactly what a worker runs (:func:`kamplan.engine.runner.run_units`, in one process),
with the plugin folders this process would load, so its results are the same. Whatever goes wrong
with it (it died, a result did not arrive) is not an error: this process computes those plans itself.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sys
from collections.abc import Mapping, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# The modules whose import the helper saves: when they are loaded already (serve, lsp, tests) there is
# nothing to win, and no process is forked.
HEAVY_MODULES = ("kamplan.plan.model", "kamplan.plugins.host")
MOST_PLANS = 40  # more than this are a cold run's (kamplan.engine.runner.PARALLEL_MIN_PLANS)


class Helper:
    """A forked process that loads the plugin host, then computes the plans it is sent."""

    def __init__(self, process: Any, connection: Connection) -> None:
        self.process = process
        self.connection = connection

    @classmethod
    def start(cls, plugin_dirs: list[Path]) -> Helper | None:
        """Fork a helper that loads the plugin host with ``plugin_dirs`` (None where it cannot help)."""
        if not hasattr(os, "fork") or all(name in sys.modules for name in HEAVY_MODULES):
            return None
        try:
            context = multiprocessing.get_context("fork")
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, plugin_dirs), daemon=True)
            process.start()
        except OSError as exc:  # no process can be forked: this process computes alone
            log.info("no helper process: %s", exc)
            return None
        theirs.close()
        return cls(process, ours)

    def compute(self, plans: list[Path], *, parts: Sequence[str], checked: set[str],
                texts: Mapping[str, Mapping[Path, str]] | None, config_texts: Mapping[Path, str] | None,
                warnings: bool, fingerprints: bool) -> tuple[bool, list[dict[str, Any]]] | None:
        """The units of ``plans`` as :func:`~kamplan.engine.runner.run_units` gives them.

        Returns:
            Whether a plugin implements ``after_portfolio_loaded`` (then the results are not computed
            and the caller loads the portfolio whole), and the results in plan order; None when the
            helper could not answer (the caller computes them itself).

        Raises:
            PluginError: When a plugin failed to load or raised, as the caller's own run would raise it.
        """
        job = {"plans": [str(p) for p in plans], "parts": tuple(parts), "checked": checked, "texts": texts,
               "config_texts": config_texts, "warnings": warnings, "fingerprints": fingerprints}
        try:
            self.connection.send(job)
            answer = self.connection.recv()
        except (OSError, EOFError, ValueError, TypeError) as exc:
            log.info("the helper process did not answer (%s): computing here", exc)
            return None
        finally:
            self.stop()
        kind, payload = answer
        if kind == "error":
            raise payload
        if kind != "results":
            return None
        return payload

    def stop(self) -> None:
        """End the helper, whatever it is doing (importing, waiting, done)."""
        self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


class HelperSlot:
    """The one helper of an engine run: started at most once, always stopped when the run ends."""

    def __init__(self) -> None:
        self.helper: Helper | None = None
        self.started = False

    def __enter__(self) -> HelperSlot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, plugin_dirs: list[Path]) -> None:
        """Fork the helper (see :meth:`Helper.start`), unless this run already did."""
        if not self.started:
            self.started = True
            self.helper = Helper.start(plugin_dirs)

    def stop(self) -> None:
        """Stop the helper, if it runs."""
        if self.helper is not None:
            self.helper.stop()
            self.helper = None


def _serve(connection: Connection, plugin_dirs: list[Path]) -> None:
    """The helper: load the plugin host, wait for one job, answer it. It never prints: whatever fails
    here is answered as ``failed`` (or not at all), and the caller computes the plans itself."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the caller's to handle; it ends this process
    try:
        _answer(connection, plugin_dirs)
    except BaseException:  # whatever it is, the caller computes again and reports it there
        with contextlib.suppress(OSError, ValueError):
            connection.send(("failed", None))


def _answer(connection: Connection, plugin_dirs: list[Path]) -> None:
    from kamplan.errors import PluginError

    try:
        from kamplan.plugins.host import PluginHost
        from kamplan.read.sources import paused_gc

        with paused_gc():
            host: Any = PluginHost(plugin_dirs=plugin_dirs)
        failed: PluginError | None = None
    except PluginError as exc:  # said when a job comes, as the caller would have said it
        host, failed = None, exc
    try:
        job = connection.recv()
    except (EOFError, OSError):
        return
    if failed is not None:
        connection.send(("error", failed))
        return
    if host.pm.hook.after_portfolio_loaded.get_hookimpls():
        connection.send(("results", (True, [])))
        return
    from kamplan.engine.runner import run_units

    try:
        results, _ = run_units([Path(p) for p in job["plans"]], host, parts=job["parts"], visit=None,
                               visit_plans=set(), checked=job["checked"], parallel=False, progress=None,
                               texts=job["texts"], config_texts=job["config_texts"], warnings=job["warnings"],
                               fingerprints=job["fingerprints"])
    except PluginError as exc:
        connection.send(("error", exc))
        return
    connection.send(("results", (False, results)))
