"""Documents fetch only what they need: data: URIs and the Sarabun font files, never the network or another file."""

from __future__ import annotations

import http.server
import threading

import pytest

from thamdee.common import pdf


@pytest.fixture
def listener():  # type: ignore[no-untyped-def]
    """A web server on loopback that records every path asked of it."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()
    server.server_close()


def _fonts(data: bytes) -> set[str]:
    import io

    from pypdf import PdfReader

    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def _document(base: str) -> str:
    return (
        f"<html><head><style>{pdf.font_css()}</style>"
        f'<link rel="stylesheet" href="{base}/style.css"></head>'
        f'<body style="font-family: Sarabun"><p>ใบรับรองความดี</p><img src="{base}/pixel.png" alt="">'
        '<img src="file:///etc/hostname" alt=""></body></html>'
    )


def test_a_document_asks_nothing_of_the_network(listener):
    from weasyprint import HTML

    base, asked = listener
    HTML(string=_document(base), base_url=".").write_pdf()  # WeasyPrint's own fetcher: the server is asked
    assert sorted(asked) == ["/pixel.png", "/style.css"]
    asked.clear()

    data = HTML(string=_document(base), base_url=".", url_fetcher=pdf.url_fetcher()).write_pdf()

    assert asked == []
    assert any("Sarabun" in name for name in _fonts(data))  # the font files are still read
    assert pdf.pdf_fold("ใบรับรองความดี") in pdf.pdf_fold(pdf.pdf_text(data))


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/x", "https://example.org/a.png", "file:///etc/passwd", "ftp://example.org/x",
     "file:///etc/passwd?x=" + "y"],
)  # fmt: skip
def test_the_fetcher_refuses_anything_but_data_and_the_fonts(url):
    with pytest.raises(ValueError, match="not fetched"):
        pdf.url_fetcher().fetch(url)


def test_the_fetcher_reads_data_uris_and_the_font_files():
    fetcher = pdf.url_fetcher()
    assert fetcher.fetch("data:text/plain;base64,4LiX4Liz4LiU4Li1").read() == "ทำดี".encode()
    for uri in pdf._font_uris():
        assert fetcher.fetch(uri).read()[:4] in (b"\x00\x01\x00\x00", b"OTTO", b"true")


def test_render_pdf_uses_the_fetcher(listener, monkeypatch):
    base, asked = listener
    monkeypatch.setattr(pdf, "render_to_string", lambda template, context, request=None: _document(base))

    data = pdf.render_pdf("any.html", {})

    assert asked == [] and any("Sarabun" in name for name in _fonts(data))
