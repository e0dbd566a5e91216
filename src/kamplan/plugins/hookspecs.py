"""Plugin API v1: every hook kamplan calls, typed and documented.

Hooks are called with keyword arguments; an implementation may accept a subset of them.
``docs/plugins.md`` has one section per hook, checked against this module by the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from kamplan.account import Portfolio

PROJECT = "kamplan"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_rules(register: Callable[..., None]) -> None:
    """Register lint rules.

    Call ``register(code, func)`` once per rule. ``code`` is the stable code shown to users
    (``W401``; third-party rules should use their own prefix, e.g. ``MEDD001``); ``func(account)``
    returns an iterable of :class:`kamplan.Finding`.

    Args:
        register: The host's callback; it checks types and rejects a code registered twice.
    """


@hookspec
def register_scorers(register: Callable[..., None]) -> None:
    """Register account scorers.

    Call ``register(name, func)``; ``func(account)`` returns a float from 0 to 100 or a
    :class:`kamplan.Score` with the details that explain it.

    Args:
        register: The host's callback; it rejects a name registered twice.
    """


@hookspec
def register_recommenders(register: Callable[..., None]) -> None:
    """Register recommenders.

    Call ``register(name, func)``; ``func(account)`` returns an iterable of
    :class:`kamplan.Recommendation`.

    Args:
        register: The host's callback; it rejects a name registered twice.
    """


@hookspec
def register_exporters(register: Callable[..., None]) -> None:
    """Register exporters (report formats).

    Call ``register(name, func, suffix)``; ``func(account, options)`` returns ``str`` or ``bytes``;
    ``suffix`` is the file suffix with its dot (``".md"``). ``options`` is a mapping with at least
    ``redact`` (bool).

    Args:
        register: The host's callback; it rejects a name registered twice.
    """


@hookspec
def register_importers(register: Callable[..., None]) -> None:
    """Register importers of CRM and HR exports.

    Call ``register(name, func)``; ``func(path, options)`` returns an iterable of
    stakeholder-shaped dicts (``id``, ``name``, ``title``, ``unit``, ``reports_to``, ``contact``...).

    Args:
        register: The host's callback; it rejects a name registered twice.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the ``kamplan`` command group.

    Args:
        cli: The click group; use ``@cli.command()`` or ``cli.add_command(...)``.
    """


@hookspec
def after_portfolio_loaded(portfolio: Portfolio) -> Any:
    """Observe or enrich a portfolio right after it was loaded and validated.

    Args:
        portfolio: The loaded :class:`kamplan.Portfolio` (its ``accounts`` hold plan and graph).

    Returns:
        Nothing; the return value is ignored.
    """
