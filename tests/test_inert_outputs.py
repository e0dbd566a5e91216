"""Plan text is data in every output: never DOT markup, never a terminal control, never a formula or a mention.

Each test reproduces an attack on the previous main: a note ending in a backslash broke the chart, an
escape sequence in a name coloured the terminal, a newline in a name printed a fake ``::error`` line.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import xml.dom.minidom
from pathlib import Path

import pytest

import kamplan
from kamplan.plugins import PluginHost
from kamplan.render.values import md_cell

HOST = PluginHost(entry_points=False)

EVIL = """\
kamplan: 1
account: {id: evil, name: "<b>Evil</b>"}
offerings:
  - {id: f1, name: "=HYPERLINK(\\"http://x\\")"}
stakeholders:
  - {id: constructor, name: "<i>x</i>", notes: "ends with a backslash \\\\", title: "has \\\\N and \\\\G"}
  - {id: ann, name: "Ann\\u001b[31mRed\\u0007", reports_to: constructor, notes: "\\u0000nul \\u202eevil"}
  - {id: fake, name: "line\\n::error file=x.yaml,line=1::forged", reports_to: ann, attitude: blocker}
"""


@pytest.fixture
def evil(small_portfolio_dir: Path) -> Path:
    path = small_portfolio_dir / "account_plans" / "evil.yaml"
    path.write_text(EVIL, encoding="utf-8")
    return path


@pytest.mark.parametrize("renderer", ["embedded", "system"])
def test_chart_labels_are_plain_text_and_the_svg_is_valid(cli, evil, renderer):
    if renderer == "system" and shutil.which("dot") is None:
        pytest.skip("system Graphviz is not installed")
    result = cli("chart", "evil", "--renderer", renderer, "-o", "-", cwd=evil.parent.parent)
    assert result.code == 0, result.err
    svg = result.out
    xml.dom.minidom.parseString(svg.encode("utf-8"))  # no control character made it into the XML
    assert "&lt;i&gt;x&lt;/i&gt;" in svg and "<i>" not in svg and "<b>" not in svg
    assert "\x1b" not in svg and "\x07" not in svg


def test_dot_source_never_holds_an_html_label(cli, evil):
    dot = cli("chart", "evil", "--format", "dot", "-o", "-", cwd=evil.parent.parent).out
    assert "label=<" not in dot and "tooltip=<" not in dot
    assert "backslash \\\\" in dot  # the note's backslash is escaped, not the end of the string
    if shutil.which("dot"):
        subprocess.run(["dot", "-Tsvg"], input=dot.encode(), check=True, capture_output=True)


def test_terminal_text_carries_no_control_characters_nor_forged_lines(cli, evil):
    root = evil.parent.parent
    for args in (("validate", str(evil)), ("report", "evil", "-o", "-"), ("score",), ("recommend",),
                 ("report", "evil", "--format", "csv", "-o", "-")):
        result = cli(*args, cwd=root)
        for text in (result.out, result.err):
            assert "\x1b" not in text and "\x07" not in text and "\x00" not in text and "\u202e" not in text, args
            assert not any(line.startswith("::error") for line in text.splitlines()), args


def test_xlsx_keeps_every_cell_as_text(evil):
    openpyxl = pytest.importorskip("openpyxl")
    account = kamplan.resolve_account(evil, host=HOST)
    data, _ = kamplan.report(account, fmt="xlsx", host=HOST)
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    names = [c.value for c in book["stakeholders"]["B"]]
    assert "AnnRed" in "".join(str(n) for n in names if n) or any("Ann" in str(n) for n in names)


def test_markdown_text_is_inert():
    text = md_cell("# Heading\n\n![img](http://x/y.png) [link](http://x) <b>html</b> &amp; @octocat **bold**")
    assert "\n" not in text and "\\#" in text and "\\!\\[img\\]" in text and "\\[link\\]\\(" in text
    assert "<b>" not in text and "&amp;amp;" in text and "@octocat" not in text and "\\*\\*" in text


def test_diff_markdown_escapes_plan_text(cli, small_portfolio_dir):
    root = small_portfolio_dir
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "."], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "start"], cwd=root, check=True)
    plan = root / "account_plans" / "alpha.yaml"
    plan.write_text(plan.read_text(encoding="utf-8") + "  - {id: mal, name: \"## @admin ![x](http://e/x.png)\\n<img>\"}\n",
                    encoding="utf-8")
    out = cli("diff", "HEAD", "--format", "md", cwd=root).out
    assert "@admin" not in out and "<img>" not in out and "![x]" not in out and "\n## @" not in out
