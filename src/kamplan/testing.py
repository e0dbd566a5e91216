"""Pytest fixtures for plugin authors (installed as the ``kamplan`` pytest plugin).

* ``kamplan_host``: a fresh :class:`~kamplan.plugins.PluginHost` with the built-ins only;
* ``register_plugin``: ``with register_plugin(obj, "name") as host:`` registers ``obj`` for the block;
* ``small_portfolio_dir``: a folder holding ``kamplan.yaml`` and two small plans;
* ``small_portfolio``: that folder loaded (built-ins only, no installed plugins).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

SMALL_CONFIG = """\
kamplan: 1
offerings:
  - {id: platform, name: Platform, family: core}
  - {id: analytics, name: Analytics, family: data}
people:
  - {id: kam, name: Kim Account, role: kam}
  - {id: se, name: Sam Engineer, role: solution_architect}
settings:
  today: 2026-11-01
"""

SMALL_PLANS = {
    "alpha.yaml": """\
kamplan: 1
account: {name: Alpha GmbH, tier: key, owner: kam, reviewed: 2026-10-01, currency: EUR, wallet: 1000000}
units:
  - {id: hq, name: Headquarters}
  - {id: ops, name: Operations, parent: hq}
team:
  - {id: kam}
  - {id: se}
stakeholders:
  - {id: ceo, name: Carla CEO, title: CEO, unit: hq, roles: [economic_buyer], attitude: supporter, influence: decisive}
  - {id: cto, name: Tom CTO, title: CTO, unit: hq, reports_to: ceo, roles: [decision_maker], attitude: champion,
     influence: high}
  - {id: ops-lead, name: Olga Ops, title: Head of Operations, unit: ops, reports_to: ceo, attitude: blocker,
     influence: high}
relationships:
  - {team: kam, stakeholder: ceo, strength: medium, last_contact: 2026-10-15}
  - {team: se, stakeholder: cto, strength: strong, last_contact: 2026-10-20}
influence:
  - {from: cto, to: ceo, kind: influences, strength: high}
opportunities:
  - {unit: hq, offering: platform, status: owned, arr: 200000}
  - {unit: ops, offering: analytics, status: whitespace, arr: 50000}
revenue:
  - {period: 2026-Q2, arr: 180000}
  - {period: 2026-Q3, arr: 200000, expansion: 20000}
risks:
  - {title: Operations prefers the incumbent, severity: medium, stakeholder: ops-lead}
""",
    "beta.yaml": """\
kamplan: 1
account: {name: Beta Ltd, tier: growth, parent: alpha, owner: kam, reviewed: 2026-09-01}
team:
  - {id: kam}
stakeholders:
  - {id: md, name: Mia Director, title: Managing Director, roles: [economic_buyer], attitude: neutral}
relationships:
  - {team: kam, stakeholder: md, strength: weak, last_contact: 2026-10-01}
""",
}


def write_small_portfolio(folder: Path) -> Path:
    """Write the small portfolio (``kamplan.yaml`` and ``account_plans/``) into ``folder``."""
    (folder / "account_plans").mkdir(parents=True, exist_ok=True)
    (folder / "kamplan.yaml").write_text(SMALL_CONFIG, encoding="utf-8")
    for name, text in SMALL_PLANS.items():
        (folder / "account_plans" / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def kamplan_host() -> Any:
    """A fresh plugin host with the built-in plugins only (no installed or folder plugins)."""
    from kamplan.plugins.host import PluginHost

    return PluginHost(entry_points=False)


@pytest.fixture
def register_plugin(kamplan_host: Any) -> Callable[..., contextlib.AbstractContextManager[Any]]:
    """Register a plugin on ``kamplan_host`` for the duration of a ``with`` block."""

    @contextlib.contextmanager
    def register(plugin: object, name: str | None = None) -> Iterator[Any]:
        registered = kamplan_host.register(plugin, name)
        try:
            yield kamplan_host
        finally:
            kamplan_host.unregister(registered)

    return register


@pytest.fixture
def small_portfolio_dir(tmp_path: Path) -> Path:
    """A folder with ``kamplan.yaml`` and two small plans (``alpha`` and its child ``beta``)."""
    return write_small_portfolio(tmp_path / "portfolio")


@pytest.fixture
def small_portfolio(small_portfolio_dir: Path, kamplan_host: Any) -> Any:
    """The small portfolio, loaded with ``kamplan_host``."""
    from kamplan.engine.accounts import load_portfolio

    return load_portfolio([small_portfolio_dir], host=kamplan_host)
