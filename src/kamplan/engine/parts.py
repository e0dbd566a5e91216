"""The parts of a plan's analysis, each stored and read on its own.

A command reads only what it shows: ``kpi`` and the dashboard the small *facts* (the summary, the KPI
record, each score's value), ``score`` the *score blocks*, ``recommend`` the *recommendation blocks*.
The JSON outputs are pre-rendered per account in the workers (``score_block``, ``rec_blocks``, and
``rec_top`` for each account's top five: each recommendation's rank key and block), so that a warm
``--format json`` joins text instead of encoding a whole portfolio again; each block is exactly what
``json.dumps(..., indent=2)`` writes for that item inside the output's array. The tables and the
library's records decode those same blocks (``recommend`` only each account's top): one part per
command whatever the format. ``scores`` and ``recs`` (every record as JSON) remain for the tests that check
the blocks against them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from kamplan.json_text import indented
from kamplan.plugins.calls import rank_key

# Each part and the stage that computes it: a stage runs only when one of its parts is asked for.
STAGE_OF = {"facts": "facts", "scores": "scores", "score_values": "scores", "score_block": "scores",
            "recs": "recs", "rec_blocks": "recs", "rec_top": "recs", "people_keys": "people"}
TOP = 5  # the action plan's size per account (kamplan recommend's default --per-account)
PARTS = tuple(STAGE_OF)
# Joins the blocks of a ``rec_blocks`` part: JSON text never holds a raw NUL (json.dumps writes \u0000),
# and plain text is decoded once where a JSON list of JSON texts would be decoded twice.
SEPARATOR = "\x00"


def dumps(data: Any) -> str:
    """Compact JSON text of a result (non-JSON values as their text, as the CLI writes them)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def block(item: Any) -> str:
    """``item`` as ``json.dumps(items, indent=2)`` writes it as an element of a top-level array."""
    return "  " + indented(item, "\n  ")


def json_array(blocks: Iterable[str]) -> str:
    """A JSON array from pre-rendered blocks: the same text as ``json.dumps(items, indent=2)``."""
    joined = ",\n".join(blocks)
    return f"[\n{joined}\n]" if joined else "[]"


def analysis_parts(account: Any, host: Any, wanted: Iterable[str] = PARTS) -> dict[str, str]:
    """The asked-for parts of one valid account's analysis, as JSON text (each as the cache gives it back).

    Raises:
        PluginError: When a scorer or recommender fails or returns something it must not.
    """
    from kamplan.insights.kpis import kpi_input
    from kamplan.plugins.calls import account_recommendations, account_scores

    wanted = set(wanted)
    stages = {STAGE_OF[kind] for kind in wanted}
    out: dict[str, str] = {}
    if "facts" in stages:
        info = account.plan.account
        summary = {"id": account.id, "name": info.name, "tier": info.tier, "industry": info.industry,
                   "region": info.region, "parent": info.parent, "currency": info.currency,
                   "stakeholders": len(account.plan.stakeholders)}
        out["facts"] = dumps({"summary": summary, "kpi": kpi_input(account).to_json()})
    if "scores" in stages:
        scores = json.loads(dumps(account_scores(account, host)))  # the values as the cache gives them back
        row = {"account": account.id, "as_of": account.today.isoformat(), "scores": scores}
        if "scores" in wanted:
            out["scores"] = dumps(row)
        if "score_values" in wanted:
            out["score_values"] = dumps({name: item["value"] for name, item in scores.items()})
        if "score_block" in wanted:
            out["score_block"] = block(row)
    if "people" in stages:  # identity evidence for the portfolio step (kamplan.insights.movers)
        from kamplan.insights.movers import identities

        out["people_keys"] = people_keys_text(identities(account))
    if "recs" in stages:
        found = account_recommendations(account, host)
        # the values as the cache gives them back; the default output needs only each account's top
        recs = json.loads(dumps(found if wanted & {"recs", "rec_blocks"} else found[:TOP]))
        if "recs" in wanted:
            out["recs"] = dumps(recs)
        if "rec_blocks" in wanted:
            out["rec_blocks"] = SEPARATOR.join([dumps([rank_key(r) for r in recs]), *(block(r) for r in recs)])
        if "rec_top" in wanted:  # the default output reads only each account's top: a small part
            top = recs[:TOP]
            out["rec_top"] = SEPARATOR.join([dumps([rank_key(r) for r in top]), *(block(r) for r in top)])
    return out


def people_keys_text(keys: dict[str, Any]) -> str:
    """A ``people_keys`` part: the account id and its :func:`~kamplan.insights.movers.evidence` tokens,
    each ended by a NUL, a NUL, then the keys as JSON. The portfolio step reads every plan's tokens
    (a split, no decoding) and decodes the JSON only of the plans that may hold a move.

    A NUL inside a token (an address can hold anything) is dropped, so that the tokens split apart
    again: two tokens that then look the same only make both plans decoded, never hide a match. The
    account id is a slug and the keys are JSON, which writes a NUL as ``\\u0000``.
    """
    from kamplan.insights.movers import evidence

    tokens = [token.replace(SEPARATOR, "") for token in evidence(keys)]
    return "".join(f"{token}{SEPARATOR}" for token in (keys["account"], *tokens)) + SEPARATOR + dumps(keys)


def people_keys_of(text: str) -> tuple[str, list[str], str]:
    """The account id, the evidence tokens and the keys' JSON text of a ``people_keys`` part.

    Raises:
        ValueError: When the text is not such a part (a damaged cache).
    """
    head, found, keys = text.partition(SEPARATOR * 2)
    if not found or not head:
        raise ValueError("not a people_keys part")
    account, *tokens = head.split(SEPARATOR)
    return account, tokens, keys


def score_block_of(text: str) -> str:
    """A ``score_block`` part as it is, once it has the shape :func:`block` gives a record.

    Raises:
        ValueError: When it has not (the engine then computes that plan's part again).
    """
    if not (text.startswith("  {") and text.endswith("}")) or SEPARATOR in text:
        raise ValueError("not a score block")
    return text


def rec_blocks(text: str) -> list[tuple[list[Any], str]]:
    """The (rank key, block) pairs of a ``rec_blocks`` part."""
    keys, *blocks = text.split(SEPARATOR)
    return list(zip(json.loads(keys), blocks, strict=True))
