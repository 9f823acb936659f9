"""The rendering's fonts: DejaVu Sans, vendored in fonts/ (licence in fonts/LICENSE), embedded as subsets.

The standard PDF fonts (Helvetica, ...) cover Western European Latin only: a Polish, Czech, Greek or Cyrillic name
printed in them shows as black boxes. DejaVu Sans covers all of these, and embedding it is what PDF/A (the visible
part of a Factur-X PDF) asks for anyway.
"""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.lib.styles import StyleSheet1, getSampleStyleSheet

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}

_registered = threading.Lock()


def register() -> None:
    """Register the family once per process (reportlab keeps a process-wide registry); <b> maps to the bold face.
    No italic face is shipped: italic text falls back to the upright one rather than to an unembedded font."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _registered:
        if BOLD in pdfmetrics.getRegisteredFontNames():
            return
        for name, file in FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(FONTS_DIR / file)))
        for bold, italic in ((0, 0), (1, 0), (0, 1), (1, 1)):
            addMapping(REGULAR, bold, italic, BOLD if bold else REGULAR)


def styles() -> StyleSheet1:
    """reportlab's sample styles, every one of them in DejaVu Sans (bold where the sample is bold)."""
    register()
    sheet = getSampleStyleSheet()
    for style in sheet.byName.values():
        bold = "Bold" in getattr(style, "fontName", "")
        style.fontName = BOLD if bold else REGULAR
    return sheet
