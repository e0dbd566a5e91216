"""Chart exporters: ``svg``, ``png``, ``pdf``, ``dot`` and ``mermaid`` (used by ``kamplan chart``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kamplan.account import Account
from kamplan.plugins.hookspecs import hookimpl


def chart_options(options: Mapping[str, Any]) -> Any:
    """Build :class:`~kamplan.render.dot.ChartOptions` from exporter options."""
    from kamplan.render.dot import DEFAULT_MAX_NODES, ChartOptions

    notices = options["notices"] if isinstance(options.get("notices"), list) else []
    return ChartOptions(
        root=options.get("root"),
        depth=options.get("depth"),
        color_by=options.get("color_by") or "attitude",
        show_team=options.get("show_team", True),
        team=options.get("team") or "badges",
        view=options.get("view"),
        redact=bool(options.get("redact")),
        legend=options.get("legend", True),
        max_nodes=options.get("max_nodes") or DEFAULT_MAX_NODES,
        notices=notices,
    )


def export_dot(account: Account, options: Mapping[str, Any]) -> str:
    """The chart as DOT source."""
    from kamplan.render.dot import build_dot

    return build_dot(account, chart_options(options))


def export_mermaid(account: Account, options: Mapping[str, Any]) -> str:
    """The chart as a Mermaid flowchart."""
    from kamplan.render.mermaid import build_mermaid

    return build_mermaid(account, chart_options(options))


def _picture(fmt: str) -> Callable[[Account, Mapping[str, Any]], bytes]:
    def export(account: Account, options: Mapping[str, Any]) -> bytes:
        from kamplan.render.engines import render

        return render(export_dot(account, options), fmt, options.get("renderer") or "auto")

    export.__doc__ = f"The chart laid out by Graphviz as {fmt}."
    return export


@hookimpl
def register_exporters(register: Callable[..., Any]) -> None:
    """Register the chart formats."""
    register("dot", export_dot, ".dot")
    register("mermaid", export_mermaid, ".mmd")
    for fmt in ("svg", "png", "pdf"):
        register(fmt, _picture(fmt), f".{fmt}")
