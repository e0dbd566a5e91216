"""A helper process that loads the plugin host while this process looks results up in the cache.

After an edit, a command finds most plans in the cache and computes one or two. Computing them needs
the plan models and the plugins, whose imports take longer than looking up a thousand plans; this
process does not need them for the lookup. So, once the file stamps show that a plan changed, a
helper is forked: it imports and loads the plugin host on the other core while this process reads
the stores, then computes the few plans that were missing and sends their results back. When
nothing is missing it is stopped; when a cold run's many are, the parallel workers take over (they
inherit this process's imports), and the helper is stopped too.

The helper runs exactly what a worker runs (:func:`kamplan.engine.runner.run_units`, in one process),
with the plugin folders this process would load, so its results are the same. Whatever goes wrong
with it (it died, a result did not arrive) is not an error: this process computes those plans itself.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

log = logging.getLogger(__name__)

# The modules whose import the helper saves: when they are loaded already (serve, lsp, tests) there is
# nothing to win, and no process is forked.
HEAVY_MODULES = ("kamplan.plan.model", "kamplan.plugins.host")
# Fewer missing plans than this run in one process (kamplan.engine.runner.PARALLEL_MIN_PLANS, which is
# not imported here: the runner imports the plan models this module exists to keep out of the parent).
MOST_PLANS = 40


class Helper:
    """A forked process that loads the plugin host, then computes the plans it is sent.

    A plain ``fork`` with two pipes: no multiprocessing machinery to import or set up for a helper
    that may be stopped without being asked anything.
    """

    def __init__(self, pid: int, jobs: BinaryIO, answers: BinaryIO) -> None:
        self.pid = pid
        self.jobs = jobs
        self.answers = answers

    @classmethod
    def start(cls, plugin_dirs: list[Path]) -> Helper | None:
        """Fork a helper that loads the plugin host with ``plugin_dirs`` (None where it cannot help)."""
        if not hasattr(os, "fork") or all(name in sys.modules for name in HEAVY_MODULES):
            return None
        try:
            jobs_in, jobs_out = os.pipe()
            answers_in, answers_out = os.pipe()
            pid = os.fork()
        except OSError as exc:  # no process can be forked: this process computes alone
            log.info("no helper process: %s", exc)
            return None
        if pid == 0:  # the helper: it never returns into the caller's code, and never runs its exit handlers
            try:
                os.close(jobs_out)
                os.close(answers_in)
                _serve(os.fdopen(jobs_in, "rb"), os.fdopen(answers_out, "wb"), plugin_dirs)
            finally:
                os._exit(0)
        os.close(jobs_in)
        os.close(answers_out)
        return cls(pid, os.fdopen(jobs_out, "wb"), os.fdopen(answers_in, "rb"))

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
            pickle.dump(job, self.jobs)
            self.jobs.flush()
            answer = pickle.load(self.answers)
        except (OSError, EOFError, ValueError, TypeError, pickle.PickleError) as exc:
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
        if self.pid == 0:
            return
        for stream in (self.jobs, self.answers):
            with contextlib.suppress(OSError):
                stream.close()
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)
        self.pid = 0


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


def _serve(jobs: BinaryIO, answers: BinaryIO, plugin_dirs: list[Path]) -> None:
    """The helper: load the plugin host, wait for one job, answer it. It never prints: whatever fails
    here is answered as ``failed`` (or not at all), and the caller computes the plans itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the caller's to handle; it ends this process
    try:
        answer = _answer(jobs, plugin_dirs)
    except BaseException:  # whatever it is, the caller computes again and reports it there
        answer = ("failed", None)
    if answer is not None:
        with contextlib.suppress(OSError, ValueError, pickle.PickleError):
            pickle.dump(answer, answers)
            answers.flush()


def _answer(jobs: BinaryIO, plugin_dirs: list[Path]) -> tuple[str, Any] | None:
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
        job = pickle.load(jobs)
    except (EOFError, OSError):
        return None  # stopped: nothing was missing
    if failed is not None:
        return ("error", failed)
    if host.pm.hook.after_portfolio_loaded.get_hookimpls():
        return ("results", (True, []))
    from kamplan.engine.runner import run_units

    try:
        results, _ = run_units([Path(p) for p in job["plans"]], host, parts=job["parts"], visit=None,
                               visit_plans=set(), checked=job["checked"], parallel=False, progress=None,
                               texts=job["texts"], config_texts=job["config_texts"], warnings=job["warnings"],
                               fingerprints=job["fingerprints"])
    except PluginError as exc:
        return ("error", exc)
    return ("results", (False, results))
