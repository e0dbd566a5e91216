"""The parts of a plan's analysis, each stored and read on its own.

A command reads only what it shows: ``kpi`` and the dashboard the small *facts* (the summary, the KPI
record, each score's value), ``score`` the *scores*, ``recommend`` the *recommendations*. The JSON
outputs are pre-rendered per account in the workers (``score_block``, ``rec_blocks``), so that a warm
``--format json`` joins text instead of encoding a whole portfolio again; each block is exactly what
``json.dumps(..., indent=2)`` writes for that item inside the output's array.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from kamplan.plugins.calls import rank_key

PARTS = ("facts", "scores", "score_block", "recs", "rec_blocks")


def dumps(data: Any) -> str:
    """Compact JSON text of a result (non-JSON values as their text, as the CLI writes them)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def block(item: Any) -> str:
    """``item`` as ``json.dumps(items, indent=2)`` writes it as an element of a top-level array."""
    return "  " + json.dumps(item, ensure_ascii=False, indent=2, default=str).replace("\n", "\n  ")


def json_array(blocks: Iterable[str]) -> str:
    """A JSON array from pre-rendered blocks: the same text as ``json.dumps(items, indent=2)``."""
    joined = ",\n".join(blocks)
    return f"[\n{joined}\n]" if joined else "[]"


def analysis_parts(analysis: dict[str, Any]) -> dict[str, str]:
    """Split one account's analysis (see :func:`kamplan.engine.unit.analyse_account`) into its stored parts."""
    data = json.loads(dumps(analysis))  # the values exactly as they come back from the cache
    summary, scores, recs = data["summary"], data["scores"], data["recommendations"]
    score_row = {"account": summary["id"], "scores": scores}
    facts = {"summary": summary, "kpi": data["kpi"], "score_values": {k: v["value"] for k, v in scores.items()}}
    return {
        "facts": dumps(facts),
        "scores": dumps(score_row),
        "score_block": block(score_row),
        "recs": dumps(recs),
        "rec_blocks": dumps([[rank_key(r), block(r)] for r in recs]),
    }
