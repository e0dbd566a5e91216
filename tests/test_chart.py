"""Org charts: what is drawn, how it is escaped, and both renderers."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import kamplan
from kamplan.render import engines

ROOT = Path(__file__).resolve().parent.parent
NORDWIND = ROOT / "account_plans" / "nordwind-logistics.yaml"
HAS_DOT = shutil.which("dot") is not None

NASTY = """\
kamplan: 1
account: {name: "Nasty & <Co> {plc}"}
units:
  - {id: hq, name: "R&D <lab>"}
team:
  - {id: kam, name: "Kim \\"The Closer\\"", role: kam}
stakeholders:
  - {id: boss, name: "<img src=x onerror=alert(1)>", title: "CEO \\"big\\" {boss} \\\\N", unit: hq,
     attitude: champion, contact: {email: secret@example.com}, notes: "private note"}
  - {id: ivan, name: "Иван Петров", title: "Финансовый директор", reports_to: boss, dotted_to: [boss],
     status: left}
  - {id: ph, name: "To be found", reports_to: boss, status: placeholder}
relationships:
  - {team: kam, stakeholder: boss, strength: strong}
influence:
  - {from: ivan, to: ph, kind: conflicts}
  - {from: ph, to: boss, kind: influences}
  - {from: ivan, to: boss, kind: allies}
"""


@pytest.fixture
def nasty(write_plan):
    return kamplan.resolve_account(write_plan(NASTY, "nasty.yaml"))


def test_dot_draws_each_line_kind_distinctly(nasty):
    dot = kamplan.chart(nasty, fmt="dot")
    assert re.search(r'"s/boss" -> "s/ivan" \[arrowhead=none color="#404040"', dot)
    assert 'style=dashed' in dot.split('"s/boss" -> "s/ivan"')[2].split("\n")[0]
    assert re.search(r'"s/ivan" -> "s/ph" \[arrowhead=tee arrowtail=tee color="#d62728"', dot)
    assert re.search(r'"s/ph" -> "s/boss" \[arrowhead=vee color="#1f5fbf"', dot)
    assert re.search(r'"s/ivan" -> "s/boss" \[color="#2ca02c" constraint=false dir=none', dot)
    assert "cluster_u_hq" in dot and "cluster_legend" in dot
    cluster = kamplan.chart(nasty, fmt="dot", team="cluster")  # our team as boxes: its lines by strength
    assert re.search(r'"t/kam" -> "s/boss" \[arrowhead=dot color="#8e44ad".*penwidth=3.6', cluster)
    assert '"t/kam"' not in dot  # by default the team is on the people (badges), not a cluster


def test_coverage_badges_and_borders_by_default(cli, tmp_path):
    root = Path(__file__).resolve().parents[1]
    dot = cli("chart", "nordwind-logistics", "--format", "dot", "-o", "-", cwd=root).out
    larsen = dot[dot.index('"s/larsen" [label='):dot.index('id="s-larsen"')]
    assert "● JD strong" in larsen and 'color="#14532d"' in larsen
    assert "penwidth=3" in dot[dot.index('id="s-larsen"'):].split("\n", 1)[0]
    weber = dot[dot.index('"s/weber" [label='):dot.index('id="s-weber"')]
    assert 'color="#6b6b6b"' in weber  # strong enough but stale: the grey border of a stale tie
    assert "cluster_team" not in dot and "covered" in dot  # the legend explains the badge


@pytest.mark.parametrize(("view", "people", "absent"), [
    ("team:jdoe", {"larsen", "hoffmann", "costa", "weber"}, {"falk", "brandt"}),
    ("role:economic_buyer", {"hoffmann", "falk", "costa", "weber"}, {"brandt", "okafor"}),
    ("unit:it", {"larsen", "brandt", "okafor", "schulz", "weber"}, {"falk", "costa"}),
])
def test_views_draw_a_part_with_the_managers_above(cli, view, people, absent):
    root = Path(__file__).resolve().parents[1]
    result = cli("chart", "nordwind-logistics", "--format", "dot", "--view", view, "-o", "-", cwd=root)
    drawn = set(re.findall(r'^\s*"s/([a-z0-9-]+)" \[label=', result.out, re.M))
    assert people <= drawn and not absent & drawn, (view, drawn)


def test_a_bad_view_is_a_clear_error(cli):
    root = Path(__file__).resolve().parents[1]
    for view, words in (("unit:nope", "no such unit"), ("role:astronaut", "nobody"), ("colour:red", "must be")):
        result = cli("chart", "nordwind-logistics", "--view", view, "-o", "-", cwd=root)
        assert result.code == 2 and words in result.err and "Traceback" not in result.err


def test_labels_are_escaped_and_unicode_intact(nasty):
    dot = kamplan.chart(nasty, fmt="dot")
    assert '\\"big\\" {boss} \\\\N' in dot  # quotes escaped, backslash doubled so \N is not expanded
    assert "Иван Петров" in dot
    svg = kamplan.chart(nasty, fmt="svg", renderer="embedded").decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in svg and "<img" not in svg
    assert "CEO &quot;big&quot; {boss} \\N" in svg
    assert "Иван Петров" in svg and "Nasty &amp; &lt;Co&gt; {plc}" in svg


def test_left_and_placeholder_are_marked(nasty):
    dot = kamplan.chart(nasty, fmt="dot")
    ivan = re.search(r'"s/ivan" \[label="[^"]*"[^\]]*\]', dot).group(0)
    assert "[LEFT]" in ivan and 'fillcolor="#d9d9d9"' in ivan
    ph = re.search(r'"s/ph" \[label="[^"]*"[^\]]*\]', dot).group(0)
    assert "[PLACEHOLDER]" in ph and "dashed" in ph


def test_redact_drops_contact_and_notes(nasty):
    assert "secret@example.com" in kamplan.chart(nasty, fmt="dot")
    redacted = kamplan.chart(nasty, fmt="dot", redact=True)
    assert "secret@example.com" not in redacted and "private note" not in redacted


def test_team_can_be_switched_off(nasty):
    dot = kamplan.chart(nasty, fmt="dot", show_team=False)
    assert '"t/kam"' not in dot and "our relationship" not in dot


@pytest.mark.parametrize("mode", ["attitude", "role", "coverage", "influence"])
def test_color_modes_have_a_legend(nasty, mode):
    dot = kamplan.chart(nasty, fmt="dot", color_by=mode)
    assert f"Legend (colour = {mode})" in dot and f"legend/{mode}/" in dot


def test_root_and_depth_focus():
    account = kamplan.resolve_account(NORDWIND)
    dot = kamplan.chart(account, fmt="dot", root="larsen", depth=1)
    people = set(re.findall(r'^\s*"s/([^"]+)" \[label', dot, re.M))
    assert people == {"larsen", "brandt", "okafor", "schulz", "vogel"}
    assert '"s/weber"' not in dot  # lines to people outside the focus are left out
    top_only = set(re.findall(r'^\s*"s/([^"]+)" \[label', kamplan.chart(account, fmt="dot", depth=0), re.M))
    assert top_only == {"weber"}


def test_mermaid_escapes_and_styles(nasty):
    text = kamplan.chart(nasty, fmt="mermaid")
    assert text.startswith("flowchart TD\n")
    assert "#lt;img src=x onerror=alert#40;1#41;#gt;" in text and "<img" not in text
    assert "#quot;big#quot; #123;boss#125;" in text
    assert "Иван Петров" in text
    assert "-.->" in text and "x--x" in text and "==>" in text and "linkStyle" in text


def test_embedded_svg_of_the_demo_contains_every_person():
    account = kamplan.resolve_account(NORDWIND)
    svg = kamplan.chart(account, fmt="svg", renderer="embedded").decode()
    for person in account.plan.stakeholders:
        assert person.name.replace("&", "&amp;") in svg
    assert "Legend (colour = attitude)" in svg


@pytest.mark.system_graphviz
@pytest.mark.skipif(not HAS_DOT, reason="system Graphviz ('dot') not installed; .ci/run installs it")
@pytest.mark.parametrize(("fmt", "magic"), [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_system_renderer_formats(nasty, fmt, magic):
    out = kamplan.chart(nasty, fmt=fmt, renderer="system")
    assert out.startswith(magic)


def test_embedded_renderer_writes_png_and_pdf(nasty):
    assert kamplan.chart(nasty, fmt="png", renderer="embedded").startswith(b"\x89PNG")
    assert kamplan.chart(nasty, fmt="pdf", renderer="embedded").startswith(b"%PDF-")


def test_auto_without_system_dot_uses_embedded(nasty, monkeypatch):
    monkeypatch.setattr(engines, "system_dot", lambda: None)
    assert kamplan.chart(nasty, fmt="svg").startswith(b"<?xml")
    assert kamplan.chart(nasty, fmt="pdf").startswith(b"%PDF-")  # no system package needed


def test_renderer_failure_is_a_clear_error():
    with pytest.raises(engines.RenderError, match="Graphviz failed"):
        engines.Embedded.shared().render("digraph { a -> }")


def test_chart_cli_writes_files(cli, tmp_path):
    out = tmp_path / "n.svg"
    result = cli("chart", NORDWIND, "-o", out, "--renderer", "embedded")
    assert result.code == 0 and out.read_bytes().startswith(b"<?xml")
    result = cli("chart", "nordwind-logistics", "--format", "mermaid", "-o", "-", cwd=ROOT)
    assert result.out.startswith("flowchart TD")
    result = cli("chart", NORDWIND, "--root", "nobody", "-o", "-", "--format", "dot")
    assert result.code == 2 and "--root 'nobody' is not a stakeholder" in result.err
    result = cli("chart", "no-such-account", cwd=ROOT)
    assert result.code == 2


def test_chart_of_an_invalid_plan_exits_one(cli, write_plan):
    looping = "kamplan: 1\naccount: {name: X}\nstakeholders: [{id: a, name: A, reports_to: a}]\n"
    result = cli("chart", write_plan(looping))
    assert result.code == 1 and "E302" in result.err


def test_a_wide_fan_of_reports_is_stacked_in_rows(tmp_path):
    from kamplan.plugins import PluginHost
    from kamplan.render import dot as dot_module
    from kamplan.render.engines import render

    people = "\n".join(f"  - {{id: a{i}, name: Analyst {i}, reports_to: boss}}" for i in range(12))
    plan = tmp_path / "fan.yaml"
    plan.write_text(f"kamplan: 1\naccount: {{name: Fan}}\nstakeholders:\n  - {{id: boss, name: Boss}}\n{people}\n",
                    encoding="utf-8")
    account = kamplan.load_portfolio([plan], host=PluginHost(entry_points=False)).accounts[0]

    def width(stack: int) -> float:
        old = dot_module.STACK_WIDTH
        dot_module.STACK_WIDTH = stack
        try:
            source = dot_module.build_dot(account, dot_module.ChartOptions(legend=False))
            svg = render(source, "svg", "embedded").decode()
        finally:
            dot_module.STACK_WIDTH = old
        return float(re.search(r'<svg width="([0-9.]+)pt"', svg).group(1))

    assert width(4) < width(100) * 0.7  # 12 analysts in rows of four, not one row of twelve


def test_an_assistant_sits_beside_their_manager(tmp_path):
    from kamplan.plugins import PluginHost

    plan = tmp_path / "assist.yaml"
    plan.write_text("kamplan: 1\naccount: {name: Assist Co}\nunits: [{id: hq, name: HQ}]\nstakeholders:\n"
                    "  - {id: ceo, name: Cara, title: CEO, unit: hq}\n"
                    "  - {id: ea, name: Eve, title: Executive Assistant to the CEO, unit: hq, reports_to: ceo}\n"
                    "  - {id: pa, name: Пётр, title: Помощник финансового директора, unit: hq, reports_to: cfo}\n"
                    "  - {id: cfo, name: Finn, title: CFO, unit: hq, reports_to: ceo}\n", encoding="utf-8")
    account = kamplan.load_portfolio([plan], host=PluginHost(entry_points=False)).accounts[0]
    dot = kamplan.chart(account, fmt="dot")
    assert re.search(r'\{\s*rank=same\s*"s/ceo"\s*"s/ea"\s*\}', dot)
    assert re.search(r'\{\s*rank=same\s*"s/cfo"\s*"s/pa"\s*\}', dot)
    assert re.search(r'"s/ceo" -> "s/ea" \[[^\]]*constraint=false', dot)
    assert "legend/coverage/covered" not in dot  # nobody has a badge: the legend does not explain one


def test_a_big_chart_is_a_pure_tree_with_units_in_the_boxes(tmp_path):
    from kamplan.plugins import PluginHost
    from kamplan.render.dot import UNIT_CLUSTER_LIMIT

    sys_path = str(Path(__file__).resolve().parents[1] / "benchmarks")
    import sys

    sys.path.insert(0, sys_path)
    try:
        from generate import make_plan
    finally:
        sys.path.remove(sys_path)
    plan = tmp_path / "big.yaml"
    plan.write_text(make_plan("big", "Big", UNIT_CLUSTER_LIMIT + 50, seed=4), encoding="utf-8")
    account = kamplan.load_portfolio([plan], host=PluginHost(entry_points=False)).accounts[0]
    dot = kamplan.chart(account, fmt="dot")
    assert "cluster_u_" not in dot  # boxes grouped by unit would pull reporting lines across each other
    unit_names = {u.name for u in account.plan.units}
    assert any(f"({name})" in dot for name in unit_names)
