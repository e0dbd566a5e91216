"""PNG and PDF charts with pip-installed libraries only (the embedded renderer, no system Graphviz):
real pictures, and PDF names that are text a reader can select and search, in every script plans use."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]


def test_a_pdf_chart_keeps_cyrillic_names_as_text(cli, tmp_path: Path):
    out = tmp_path / "sib.pdf"
    assert cli("chart", "sibtelecom", "--format", "pdf", "--renderer", "embedded", "-o", out, cwd=ROOT).code == 0
    assert out.read_bytes().startswith(b"%PDF-")
    text = PdfReader(str(out)).pages[0].extract_text()
    for name in ("Елена Соколова", "Директор по ИТ (CIO)", "ПАО «СибТелеком»", "● АИ strong"):
        assert name in text
    assert "■" not in text  # no glyph missing from the font


def test_accents_and_greek_survive_in_pdf(cli, tmp_path: Path):
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\n", encoding="utf-8")
    (tmp_path / "account_plans").mkdir()
    (tmp_path / "account_plans" / "hellas.yaml").write_text(
        "kamplan: 1\naccount: {name: Ελληνική Εταιρεία}\nstakeholders:\n"
        "  - {id: a, name: Αλέξανδρος Παπαδόπουλος, title: Διευθύνων Σύμβουλος}\n"
        "  - {id: b, name: François Müller-Øberg, title: Directeur général adjoint, reports_to: a}\n",
        encoding="utf-8")
    out = tmp_path / "hellas.pdf"
    assert cli("chart", "hellas", "--format", "pdf", "--renderer", "embedded", "-o", out, cwd=tmp_path).code == 0
    text = PdfReader(str(out)).pages[0].extract_text()
    assert "Αλέξανδρος Παπαδόπουλος" in text and "François Müller-Øberg" in text


def test_a_png_chart_is_a_real_picture(cli, tmp_path: Path):
    out = tmp_path / "nordwind.png"
    assert cli("chart", "nordwind-logistics", "--format", "png", "--renderer", "embedded", "-o", out,
               cwd=ROOT).code == 0
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 1000 and height > 400  # drawn at twice the chart's size
    # the text is drawn: a picture with its labels is much larger than the bare boxes and lines
    svg_only = tmp_path / "plain.svg"
    cli("chart", "nordwind-logistics", "--format", "svg", "--renderer", "embedded", "-o", svg_only, cwd=ROOT)
    assert len(data) > 60_000
