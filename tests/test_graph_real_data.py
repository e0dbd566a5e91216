"""The stakeholder graph on real networks: Krackhardt's managers and Lazega's lawyers."""

from __future__ import annotations

import pytest
from tests.realdata import krackhardt_plan, lazega_matrix, lazega_plan

import kamplan
from kamplan.engine.accounts import load_portfolio
from kamplan.plugins import PluginHost

HOST = PluginHost(entry_points=False)


@pytest.fixture
def krackhardt(shared, write_plan):
    portfolio = load_portfolio([write_plan(krackhardt_plan(shared), "hightech.yaml")], host=HOST)
    assert portfolio.diagnostics == []
    return portfolio.accounts[0]


@pytest.fixture
def lazega(shared, write_plan):
    portfolio = load_portfolio([write_plan(lazega_plan(shared), "lazega.yaml")], host=HOST)
    assert portfolio.diagnostics == []
    return portfolio.accounts[0]


def test_krackhardt_org_chart_facts(krackhardt):
    graph = krackhardt.graph
    assert graph.roots() == ["m7"]
    assert sorted(graph.direct_reports("m7")) == ["m14", "m18", "m2", "m21"]
    assert len(graph) == 21
    assert len(graph.subtree("m7")) == 21
    for vp in ("m2", "m14", "m18", "m21"):
        assert graph.chain_of_managers(vp) == ["m7"]
        assert graph.stakeholder(vp).title == "Vice President"
    # every manager sits exactly two levels below the CEO
    managers = [s.id for s in graph.stakeholders() if s.title == "Manager"]
    assert len(managers) == 16 and all(graph.depth_of(m) == 2 for m in managers)


def test_krackhardt_advice_as_influence(krackhardt, shared):
    edges = 0
    advice = shared / "krackhardt-hightech-managers" / "Krack-High-Tec-edgelist-Advice.txt"
    for line in advice.read_text().split("\n"):
        parts = line.split()
        edges += len(parts) == 3 and parts[2] == "1" and parts[0] != parts[1]
    assert edges == 190
    ties = [e for e in krackhardt.graph.nx.edges(keys=True) if e[2] == "influences"]
    assert len(ties) == 190


def test_krackhardt_validates_and_charts(krackhardt, tmp_path):
    assert [d for d in kamplan.validate(portfolio=load_portfolio([krackhardt.source], host=HOST)).errors] == []
    svg = kamplan.chart(krackhardt, fmt="svg", renderer="embedded").decode()
    assert svg.count('class="node"') >= 21 and "Manager 7" in svg
    mermaid = kamplan.chart(krackhardt, fmt="mermaid")
    assert mermaid.startswith("flowchart TD") and mermaid.count("-->") == 20


def test_krackhardt_focus_on_a_vp(krackhardt):
    vp_team = krackhardt.graph.subtree("m14")
    dot = kamplan.chart(krackhardt, fmt="dot", root="m14", depth=1)
    assert sum(f'"s/{m}"' in dot for m in vp_team) == len(vp_team)
    assert '"s/m7"' not in dot


def test_lazega_advice_network(lazega, shared):
    matrix = lazega_matrix(shared)
    assert len(matrix) == 71
    expected_ties = sum(v for i, row in enumerate(matrix) for j, v in enumerate(row) if i != j)
    assert expected_ties == 892
    graph = lazega.graph
    assert len(graph) == 71 and sorted(graph.roots()) == sorted(f"l{i}" for i in range(1, 72))
    sought = {f"l{j + 1}": sum(row[j] for row in matrix) for j in range(71)}
    most = max(sought, key=sought.get)
    outgoing = sum(1 for _, kind, _ in graph.ties(most, "influences") if kind == "influences")
    assert outgoing >= sought[most]
    by_office = {u.id: len(graph.unit_members(u.id)) for u in lazega.plan.units}
    assert sum(by_office.values()) == 71 and by_office["boston"] > by_office["providence"]


def test_lazega_chart_renders(lazega):
    svg = kamplan.chart(lazega, fmt="svg", renderer="embedded").decode()
    assert svg.count('class="node"') >= 71
    assert "Lawyer 71" in svg and "SG&amp;R Law Firm" in svg


def test_the_graph_builder_gives_what_networkx_add_edge_gives():
    """from_account writes networkx's adjacency dicts directly (for speed): same graph as the public API."""
    from pathlib import Path

    import networkx as nx

    import kamplan
    from kamplan.graph import StakeholderGraph

    root = Path(__file__).resolve().parent.parent / "account_plans"
    for plan in sorted(root.glob("*.yaml")):
        account = kamplan.resolve_account(plan)
        built = StakeholderGraph.from_account(account).nx
        reference = nx.MultiDiGraph()
        reference.add_nodes_from(built.nodes(data=True))
        for u, v, key, data in built.edges(keys=True, data=True):
            reference.add_edge(u, v, key=key, **data)
        assert nx.utils.graphs_equal(built, reference)
        assert built.number_of_edges() > 0 and all(d["kind"] for _, d in built.nodes(data=True))
        graph = StakeholderGraph.from_account(account)
        ids = {p.id for p in account.plan.stakeholders}
        for manager in account.plan.stakeholders:  # direct reports keep plan order, as add_edge would
            expected = [p.id for p in account.plan.stakeholders
                        if p.reports_to == manager.id and p.id != manager.id and p.reports_to in ids]
            assert graph.direct_reports(manager.id) == expected
