"""Thai PDF documents with WeasyPrint and the Sarabun font (correct tone marks and Thai line breaking)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.template.loader import render_to_string


@lru_cache(maxsize=1)
def font_css() -> str:
    import fontpkg

    faces = []
    for weight, style in ((400, "normal"), (700, "normal"), (400, "italic"), (600, "normal")):
        path = fontpkg.path("Sarabun", weight=weight, style=style, nearest=True)
        faces.append(
            f'@font-face {{ font-family: "Sarabun"; font-weight: {weight}; font-style: {style}; '
            f'src: url("{path.as_uri()}"); }}'
        )
    return "\n".join(faces)


def render_pdf(template: str, context: dict[str, Any], *, request: Any = None) -> bytes:
    """Render a template to PDF bytes. The template gets ``font_css`` for its <style> block."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_to_string(template, {**context, "font_css": font_css()}, request=request)
    return HTML(string=html, base_url=".").write_pdf(font_config=FontConfiguration())


def pdf_fold(text: str) -> str:
    """Text as it reads back from our PDFs: Sarabun draws SARA AM (ำ) as NIKHAHIT + SARA AA, and the PDF's text
    layer gives back SARA AA alone, so compare ``pdf_fold(expected)`` with ``pdf_fold(pdf_text(...))``."""
    return text.replace("\u0e33", "\u0e32").replace("\u0e4d", "")


def pdf_text(data: bytes) -> str:
    """The text of a PDF (for tests and checks)."""
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
