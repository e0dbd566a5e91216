"""SVG to PNG and to PDF with pip-installed libraries only: no system Graphviz, Cairo or fonts needed.

PNG: resvg (``resvg-py``) rasterises the embedded renderer's SVG at twice its size. PDF: svglib draws
the SVG with reportlab as a vector PDF whose names are real, selectable text. Both use the DejaVu Sans
Condensed fonts bundled with kamplan (Latin with accents, Greek, Cyrillic; Bitstream Vera licence,
``fonts/DejaVu-LICENSE.txt``), standing in for the Helvetica the chart is laid out with: its widths
are close to Helvetica's, so labels stay inside their boxes.
"""

from __future__ import annotations

import functools
import io
import re
from pathlib import Path
from typing import Any

from kamplan.errors import KamplanError

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR = FONTS / "DejaVuSansCondensed.ttf"
BOLD = FONTS / "DejaVuSansCondensed-Bold.ttf"
FAMILY = "DejaVu Sans"  # the family name inside DejaVuSansCondensed.ttf; condensed is its stretch
PNG_ZOOM = 2.0
PNG_MAX_PIXELS = 60_000_000  # a big chart is drawn smaller rather than as a picture nothing can open
PDF_FONT = "KamplanSans"
_SIZE = re.compile(r'<svg width="([0-9.]+)pt" height="([0-9.]+)pt"')
_FAMILY = re.compile(r'font-family="[^"]*"')


class ConvertError(KamplanError):
    """The SVG could not be converted."""

    exit_code = 2


def svg_to_png(svg: bytes) -> bytes:
    """The SVG as a PNG at twice its size (smaller for a chart beyond 60 megapixels), text drawn with the
    bundled fonts."""
    import resvg_py

    text = svg.decode("utf-8")
    text = text[text.find("<svg"):] if "<svg" in text else text
    # Graphviz sizes the picture in points, which resvg does not read: the same size in pixels (4/3 each)
    size = _SIZE.search(text)
    width, height = (float(size.group(1)) * 4 / 3, float(size.group(2)) * 4 / 3) if size else (1000.0, 1000.0)
    zoom = min(PNG_ZOOM, (PNG_MAX_PIXELS / max(width * height, 1.0)) ** 0.5)
    text = _SIZE.sub(f'<svg width="{width:.2f}" height="{height:.2f}"', text, count=1)
    # "Helvetica,sans-Serif": neither is bundled; the condensed cut is the one close to Helvetica's widths
    text = _FAMILY.sub(f'font-family="{FAMILY}" font-stretch="condensed"', text)
    try:
        return bytes(resvg_py.svg_to_bytes(
            svg_string=text, font_files=[str(REGULAR), str(BOLD)],
            font_family=FAMILY, sans_serif_family=FAMILY, serif_family=FAMILY, zoom=zoom))
    except Exception as exc:  # resvg reports any failure as a plain exception
        raise ConvertError(f"the chart could not be drawn as PNG: {exc}") from None


@functools.cache
def _register_fonts() -> None:
    from svglib import fonts

    fonts.register_font(PDF_FONT, str(REGULAR), rlgFontName=PDF_FONT)
    fonts.register_font(PDF_FONT, str(BOLD), weight="bold", rlgFontName=f"{PDF_FONT}-Bold")


def drawing_of(svg: bytes) -> Any:
    """The SVG as a reportlab drawing (vector, text drawn with the bundled fonts).

    Raises:
        ConvertError: When the SVG cannot be drawn.
    """
    from svglib.svglib import svg2rlg

    _register_fonts()
    # reportlab's own Helvetica has no Cyrillic or Greek: every text is drawn with the bundled font
    text = _FAMILY.sub(f'font-family="{PDF_FONT}"', svg.decode("utf-8"))
    try:
        drawing = svg2rlg(io.BytesIO(text.encode("utf-8")))
    except Exception as exc:  # svglib raises whatever its XML parser raises
        raise ConvertError(f"the chart could not be drawn as PDF: {exc}") from None
    if drawing is None:
        raise ConvertError("the chart could not be drawn as PDF: the SVG was not understood")
    return drawing


def svg_to_pdf(svg: bytes) -> bytes:
    """The SVG as a one-page vector PDF; names stay text (selectable, searchable, extractable)."""
    from reportlab.graphics import renderPDF

    return bytes(renderPDF.drawToString(drawing_of(svg), title="kamplan org chart"))
