"""Running work units: in this process for a few plans, in forked worker processes for many."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kamplan.engine import unit
from kamplan.engine.store import plan_fingerprint
from kamplan.read.sources import load_config, paused_gc

PARALLEL_MIN_PLANS = 40
Progress = Callable[[int, int], None]
Take = Callable[[int, dict[str, Any]], None]

_JOB: dict[str, Any] = {}  # what the forked workers inherit: the parts to compute, the visit function...


def _one(plan: str) -> dict[str, Any]:
    visit = _JOB["visit"] if plan in _JOB["visit_plans"] else None
    texts = _JOB["texts"]
    # stamps and hash before the plan is read: an edit after them makes the next run hash it again
    fingerprint = plan_fingerprint(Path(plan)) if _JOB["fingerprints"] else None
    out = unit.compute(Path(plan), _JOB["parts"], visit, check=plan not in _JOB["checked"],
                       texts=texts.get(plan) if texts else None, warnings=_JOB["warnings"])
    out["fingerprint"] = fingerprint
    return out


def _work(plans: list[str]) -> list[dict[str, Any]]:
    with paused_gc():
        return [_one(p) for p in plans]


def worker_count() -> int:
    """Processes to use: the CPUs this process may run on, at most 8."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cpus, 8)


def run_units(plans: list[Path], host: Any, *, parts: Sequence[str], visit: unit.Visit | None, visit_plans: set[str],
              checked: set[str], parallel: bool, progress: Progress | None,
              texts: Mapping[str, Mapping[Path, str]] | None = None,
              config_texts: Mapping[Path, str] | None = None, warnings: bool = True, fingerprints: bool = False,
              take: Take | None = None) -> tuple[list[dict[str, Any]], int]:
    """Compute the work unit of every plan, in plan order.

    Args:
        plans: The plans to compute.
        host: The plugin host (forked workers inherit it).
        parts: The analysis parts to compute.
        visit: Extra work on each loaded valid account of ``visit_plans``.
        visit_plans: The plans (as strings) to visit.
        checked: The plans (as strings) whose checks are known (cached and valid): not checked again.
        parallel: Allow worker processes.
        progress: Called as ``progress(done, total)``.
        texts: Per plan (as a string), text to read instead of its files' content (unsaved edits).
        config_texts: kamplan.yaml files' text to read instead of their content (unsaved edits).
        warnings: Run kamplan's own warning rules too (see :func:`kamplan.engine.unit.compute`).
        fingerprints: Also give each plan's file stamps and hash (``"fingerprint"``, see
            :func:`kamplan.engine.store.plan_fingerprint`), taken before the plan is read.
        take: Called as ``take(index, result)`` with each result in plan order as soon as it is
            there (see :func:`in_workers`).

    Returns:
        The units' results and the number of processes used.
    """
    unit.WORKER.host = host
    unit.WORKER.configs.clear()  # kamplan.yaml may have changed since an earlier call in this process
    for config, text in (config_texts or {}).items():
        unit.WORKER.configs[config] = load_config(config, text)
    _JOB.update(parts=tuple(parts), visit=visit, visit_plans=visit_plans, checked=checked, texts=texts,
                warnings=warnings, fingerprints=fingerprints)
    return in_workers(_work, [str(p) for p in plans], parallel=parallel, progress=progress, take=take)


def in_workers(work: Callable[[list[Any]], list[dict[str, Any]]], items: list[Any], *, parallel: bool = True,
               progress: Progress | None = None, take: Take | None = None) -> tuple[list[dict[str, Any]], int]:
    """``work`` over ``items`` in small chunks, in forked worker processes when there are enough items.

    The workers inherit what the parent set up before the call (the plugin host, the job). A result
    holding ``"plugin_error"`` stops the run: that error is raised.

    Args:
        work: Maps a chunk of items to one result each (a module-level function, run in the workers).
        items: The items, in order.
        parallel: Allow worker processes.
        progress: Called as ``progress(done, total)``.
        take: Called as ``take(index, result)`` with each result, in item order, as soon as it is
            there: in this process, while the workers compute the chunks after it.

    Returns:
        The results in item order, and the number of processes used.

    Raises:
        PluginError: The first plugin error a result holds.
    """
    workers = worker_count()
    if not parallel or workers < 2 or len(items) < PARALLEL_MIN_PLANS:
        results: list[dict[str, Any]] = []
        with paused_gc():
            for item in items:
                results += work([item])
                if "plugin_error" in results[-1]:  # stop at the first: the same plugin would fail (or hang) again
                    raise results[-1]["plugin_error"]
                if take is not None:
                    take(len(results) - 1, results[-1])
                if progress:
                    progress(len(results), len(items))
        return results, 1
    import multiprocessing

    chunks = _chunks(items, workers)
    results = []
    # this process builds the results' objects (no garbage cycles) while the workers compute: the
    # collector would walk everything loaded again and again (about 0.05 s of a cold recommend)
    with paused_gc(), multiprocessing.get_context("fork").Pool(workers) as pool:
        for part in pool.imap(work, chunks):
            failed = next((r["plugin_error"] for r in part if "plugin_error" in r), None)
            if failed is not None:
                raise failed
            for out in part:
                if take is not None:
                    take(len(results), out)
                results.append(out)
            if progress:
                progress(len(results), len(items))
    return results, workers


def _chunks(items: list[Any], workers: int, most: int = 20) -> list[list[Any]]:
    """``items`` in chunks of at most ``most``, smaller towards the end (guided scheduling), so that no
    worker is left computing a whole chunk alone while the others wait."""
    chunks, start = [], 0
    while start < len(items):
        size = max(1, min(most, (len(items) - start) // (workers * 4)))
        chunks.append(items[start:start + size])
        start += size
    return chunks
