"""Thai PDF documents with WeasyPrint and the Sarabun font (correct tone marks and Thai line breaking)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.template.loader import render_to_string

_FACES = ((400, "normal"), (700, "normal"), (400, "italic"), (600, "normal"))


@lru_cache(maxsize=1)
def _font_uris() -> tuple[str, ...]:
    import fontpkg

    return tuple(fontpkg.path("Sarabun", weight=w, style=s, nearest=True).as_uri() for w, s in _FACES)


@lru_cache(maxsize=1)
def font_css() -> str:
    return "\n".join(
        f'@font-face {{ font-family: "Sarabun"; font-weight: {weight}; font-style: {style}; src: url("{uri}"); }}'
        for (weight, style), uri in zip(_FACES, _font_uris(), strict=True)
    )


def url_fetcher() -> Any:
    """WeasyPrint's fetcher, kept to what our documents need: ``data:`` URIs (the QR codes, photos drawn in) and
    the Sarabun font files. Nothing else is fetched, so no text a user typed that ever reached a document could
    make the server open a URL on the network (SSRF) or read another of its own files into a PDF."""
    from weasyprint.urls import URLFetcher

    fonts = frozenset(_font_uris())

    class LocalOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:") or url.split("?")[0] in fonts:
                return super().fetch(url, headers)
            raise ValueError(f"not fetched for a document: {url[:120]}")

    return LocalOnly(allowed_protocols=("data", "file"), allow_redirects=False)


def render_pdf(template: str, context: dict[str, Any], *, request: Any = None) -> bytes:
    """Render a template to PDF bytes. The template gets ``font_css`` for its <style> block."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_to_string(template, {**context, "font_css": font_css()}, request=request)
    return HTML(string=html, base_url=".", url_fetcher=url_fetcher()).write_pdf(font_config=FontConfiguration())


def pdf_fold(text: str) -> str:
    """Text as it reads back from our PDFs: Sarabun draws SARA AM (ำ) as NIKHAHIT + SARA AA, and the PDF's text
    layer gives back SARA AA alone, so compare ``pdf_fold(expected)`` with ``pdf_fold(pdf_text(...))``."""
    return text.replace("\u0e33", "\u0e32").replace("\u0e4d", "")


def pdf_text(data: bytes) -> str:
    """The text of a PDF (for tests and checks)."""
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
