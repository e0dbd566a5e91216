"""kamplan: key account plans as code.

The public API is imported lazily so that ``kamplan --version`` and ``--help`` start instantly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kamplan.plugins.hookspecs import hookimpl
from kamplan.types import Finding, Recommendation, Score

__version__ = "0.1.0"

_LAZY = {
    "load_portfolio": "kamplan.engine.accounts",
    "validate": "kamplan.api",
    "chart": "kamplan.api",
    "export": "kamplan.api",
    "score": "kamplan.api",
    "recommend": "kamplan.api",
    "kpi": "kamplan.api",
    "report": "kamplan.api",
    "site": "kamplan.api",
    "fmt": "kamplan.api",
    "diff": "kamplan.api",
    "import_records": "kamplan.api",
    "schema": "kamplan.api",
    "list_plugins": "kamplan.api",
    "resolve_account": "kamplan.api",
    "as_of": "kamplan.api",
    "ValidationResult": "kamplan.api",
    "Account": "kamplan.account",
    "Portfolio": "kamplan.account",
    "StakeholderGraph": "kamplan.graph",
    "PluginHost": "kamplan.plugins",
    "Plan": "kamplan.plan.model",
    "Diagnostic": "kamplan.errors",
    "KamplanError": "kamplan.errors",
    "PlanError": "kamplan.errors",
    "PluginError": "kamplan.errors",
    "UsageError": "kamplan.errors",
}

__all__ = [
    "Account",
    "Diagnostic",
    "Finding",
    "KamplanError",
    "Plan",
    "PlanError",
    "PluginError",
    "PluginHost",
    "Portfolio",
    "Recommendation",
    "Score",
    "StakeholderGraph",
    "UsageError",
    "ValidationResult",
    "__version__",
    "as_of",
    "chart",
    "diff",
    "export",
    "fmt",
    "hookimpl",
    "import_records",
    "kpi",
    "list_plugins",
    "load_portfolio",
    "recommend",
    "report",
    "resolve_account",
    "schema",
    "score",
    "site",
    "validate",
]

if TYPE_CHECKING:
    from kamplan.account import Account, Portfolio
    from kamplan.api import (
        ValidationResult,
        as_of,
        chart,
        diff,
        export,
        fmt,
        import_records,
        kpi,
        list_plugins,
        recommend,
        report,
        resolve_account,
        schema,
        score,
        site,
        validate,
    )
    from kamplan.engine.accounts import load_portfolio
    from kamplan.errors import Diagnostic, KamplanError, PlanError, PluginError, UsageError
    from kamplan.graph import StakeholderGraph
    from kamplan.plan.model import Plan
    from kamplan.plugins.host import PluginHost


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kamplan' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
