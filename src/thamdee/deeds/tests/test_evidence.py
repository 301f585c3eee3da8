"""Evidence photos: every file in the corpus is built here with Pillow and pillow-heif, none is committed."""

import hashlib
import io
import re
import struct
import zipfile
import zlib

import pytest
from PIL import Image, ImageCms, ImageFile

from thamdee.common.errors import ValidationError
from thamdee.deeds import evidence
from thamdee.deeds.evidence import EvidenceRejectedError, ProcessedImage, process_evidence

THAI = re.compile("[\u0e00-\u0e7f]")
ORIENTATION = 0x0112
GPS_IFD = 0x8825
# What Pillow's JPEG writer emits when given no metadata: JFIF, quantisation and Huffman tables, frame, scan.
PLAIN_JPEG_MARKERS = {0xE0, 0xDB, 0xC4, 0xC0, 0xC2, 0xDD, 0xDA}


# --- building the corpus ---------------------------------------------------------------------------------------


def picture(size=(64, 48), mode="RGB"):
    """Noise and a gradient, so the encoders have real work and a cut file loses real data."""
    noise = Image.effect_noise(size, 50)
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (noise, gradient, noise))
    if mode == "RGBA":
        image.putalpha(gradient)
    return image


def encode(image, fmt, **params):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def jpeg(size=(64, 48), **params):
    return encode(picture(size), "JPEG", **params)


def png_rgba(size=(64, 48)):
    return encode(picture(size, "RGBA"), "PNG")


def webp(size=(64, 48)):
    return encode(picture(size, "RGBA"), "WEBP")


def heic(size=(64, 48)):
    return encode(picture(size), "HEIF")


def png_chunk(chunk_type, payload):
    crc = zlib.crc32(chunk_type + payload)
    return struct.pack(">I", len(payload)) + chunk_type + payload + struct.pack(">I", crc)


def black_png(width, height):
    """A valid 1-bit PNG of any size, written by hand: Pillow would need width x height bytes to make one."""
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def png_with_broken_pixels():
    """Every chunk whole and every checksum right, but the compressed pixel stream is garbage."""
    good = encode(picture(), "PNG")
    pos, chunks = 8, []
    while pos < len(good):
        (length,) = struct.unpack(">I", good[pos : pos + 4])
        chunk_type, payload = good[pos + 4 : pos + 8], good[pos + 8 : pos + 8 + length]
        if chunk_type == b"IDAT":
            payload = b"\x78\x9c" + b"not a deflate stream" * 20
        chunks.append(png_chunk(chunk_type, payload))
        pos += 12 + length
    return good[:8] + b"".join(chunks)


def zip_archive():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<p>hidden</p>")
    return buffer.getvalue()


def jpeg_markers(data):
    """The markers of the header segments, up to and including the first scan."""
    markers, pos = [], 2
    while True:
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:
            return markers
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]


def refused(data, filename=""):
    with pytest.raises(EvidenceRejectedError) as caught:
        process_evidence(data, filename)
    return caught.value


def opened(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# --- accepted -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "original_format"),
    [(jpeg, "JPEG"), (png_rgba, "PNG"), (webp, "WEBP"), (heic, "HEIF")],
    ids=["jpeg", "png-with-alpha", "webp", "heic"],
)
def test_each_accepted_format_comes_out_as_a_plain_jpeg(make, original_format):
    result = process_evidence(make(), "upload.bin")

    assert isinstance(result, ProcessedImage)
    assert result.original_format == original_format
    assert result.content_type == "image/jpeg"
    assert (result.width, result.height) == (64, 48)
    assert result.sha256 == hashlib.sha256(result.image).hexdigest()
    for data in (result.image, result.thumbnail):
        image = opened(data)
        assert image.format == "JPEG"
        assert image.mode == "RGB"
        assert set(jpeg_markers(data)) <= PLAIN_JPEG_MARKERS
        assert data.endswith(b"\xff\xd9")
    assert opened(result.image).size == (64, 48)


def test_transparency_is_flattened_on_white():
    image = Image.new("RGBA", (40, 40), (255, 0, 0, 0))

    result = process_evidence(encode(image, "PNG"))

    red, green, blue = opened(result.image).getpixel((20, 20))
    assert min(red, green, blue) >= 250


@pytest.mark.parametrize("with_icc", [False, True], ids=["no-colour-profile", "srgb-profile"])
def test_gps_and_every_other_kind_of_metadata_are_gone(with_icc):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (13.0, 45.0, 12.5), 3: "E", 4: (100.0, 30.0, 7.25)})
    extra = {"icc_profile": ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()} if with_icc else {}
    data = jpeg(exif=exif, comment=b"taken at home", xmp=b"<x:xmpmeta>exif:GPSLatitude</x:xmpmeta>", **extra)
    assert opened(data).getexif().get_ifd(GPS_IFD)  # given: the upload does carry a location

    result = process_evidence(data, "photo.jpg")

    for output in (result.image, result.thumbnail):
        image = opened(output)
        assert len(image.getexif()) == 0
        assert not image.getexif().get_ifd(GPS_IFD)
        assert b"GPS" not in output
        assert b"PhoneMaker" not in output
        assert b"taken at home" not in output
        assert not {"exif", "xmp", "comment", "icc_profile"} & image.info.keys()
        assert set(jpeg_markers(output)) <= PLAIN_JPEG_MARKERS


def test_a_large_photo_is_shrunk_to_2048_and_the_thumbnail_to_320():
    large = encode(Image.linear_gradient("L").resize((4000, 3000)).convert("RGB"), "JPEG")

    result = process_evidence(large)

    assert (result.width, result.height) == (2048, 1536)
    assert opened(result.image).size == (2048, 1536)
    thumbnail = opened(result.thumbnail)
    assert max(thumbnail.size) <= 320
    assert thumbnail.size == (320, 240)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_exif_orientation_is_applied(fmt):
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    data = encode(picture((300, 100)), fmt, exif=exif)

    result = process_evidence(data)

    assert (result.width, result.height) == (100, 300)
    assert opened(result.image).size == (100, 300)
    assert opened(result.thumbnail).size == (100, 300)


def test_a_large_photo_on_its_side_is_turned_upright_and_shrunk():
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    data = encode(Image.linear_gradient("L").resize((4000, 3000)).convert("RGB"), "JPEG", exif=exif)

    result = process_evidence(data)

    assert (result.width, result.height) == (1536, 2048)
    assert opened(result.thumbnail).size == (240, 320)


def test_a_palette_png_with_a_transparent_colour_is_flattened_on_white():
    image = Image.new("P", (40, 40), 0)
    image.putpalette([0, 0, 255] + [255, 0, 0] * 255)
    image.paste(1, (0, 0, 20, 40))

    result = process_evidence(encode(image, "PNG", transparency=0))

    decoded = opened(result.image)
    assert min(decoded.getpixel((35, 20))) >= 250  # the transparent blue is white
    red, green, blue = decoded.getpixel((5, 20))
    assert red >= 240 and green <= 15 and blue <= 15


def test_a_16_bit_greyscale_png_keeps_its_tones():
    image = Image.new("I;16", (40, 40), 32768)

    result = process_evidence(encode(image, "PNG"))

    grey = opened(result.image).getpixel((20, 20))
    assert all(120 <= channel <= 136 for channel in grey)


def test_the_filename_is_never_consulted():
    assert process_evidence(png_rgba(), "evil.svg").original_format == "PNG"
    assert process_evidence(png_rgba(), "").original_format == "PNG"


def test_a_jpeg_with_appended_jpeg_images_as_phones_write_them_is_accepted():
    """Multi-picture files (HDR gain maps, MPO) hang further JPEG streams after the first one's end."""
    data = encode(picture(), "MPO", save_all=True, append_images=[picture((32, 24))])
    assert Image.open(io.BytesIO(data)).format == "MPO"

    result = process_evidence(data)

    assert result.original_format == "JPEG"
    assert (result.width, result.height) == (64, 48)


def test_padding_after_the_end_of_image_is_accepted():
    result = process_evidence(jpeg() + b"\x00" * 7 + b"\r\n")

    assert result.original_format == "JPEG"


def test_a_png_at_the_pixel_limit_is_accepted_and_one_pixel_more_is_not(monkeypatch):
    monkeypatch.setattr(evidence, "MAX_PIXELS", 100 * 100)

    assert process_evidence(encode(picture((100, 100)), "PNG")).width == 100
    assert refused(encode(picture((101, 100)), "PNG")).code == "evidence_too_many_pixels"


# --- refused ------------------------------------------------------------------------------------------------------

SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script></svg>"""
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@pytest.mark.parametrize(
    ("make", "filename", "code"),
    [
        pytest.param(lambda: SVG, "photo.svg", "evidence_type_not_allowed", id="svg-with-script"),
        pytest.param(lambda: PDF, "photo.jpg", "evidence_type_not_allowed", id="pdf-named-jpg"),
        pytest.param(lambda: encode(picture(), "GIF"), "photo.gif", "evidence_type_not_allowed", id="gif"),
        pytest.param(lambda: b"just some words\n", "photo.jpg", "evidence_type_not_allowed", id="text"),
        pytest.param(lambda: HTML, "photo.png", "evidence_type_not_allowed", id="html"),
        pytest.param(lambda: b"", "photo.jpg", "evidence_type_not_allowed", id="empty"),
        pytest.param(lambda: encode(picture(), "BMP"), "photo.jpg", "evidence_type_not_allowed", id="bmp"),
        pytest.param(lambda: encode(picture(), "TIFF"), "photo.jpg", "evidence_type_not_allowed", id="tiff"),
        pytest.param(lambda: encode(picture(), "AVIF"), "photo.heic", "evidence_type_not_allowed", id="avif"),
        pytest.param(lambda: jpeg()[: len(jpeg()) // 2], "photo.jpg", "evidence_corrupt", id="jpeg-cut-in-half"),
        pytest.param(lambda: png_rgba()[:-40], "photo.png", "evidence_corrupt", id="png-cut-short"),
        pytest.param(lambda: heic()[:-100], "photo.heic", "evidence_corrupt", id="heic-cut-short"),
        pytest.param(lambda: webp()[:-30], "photo.webp", "evidence_corrupt", id="webp-cut-short"),
        pytest.param(png_with_broken_pixels, "photo.png", "evidence_corrupt", id="png-pixels-undecodable"),
        pytest.param(lambda: jpeg() + zip_archive(), "photo.jpg", "evidence_polyglot", id="jpeg-then-zip"),
        pytest.param(lambda: jpeg() + PDF, "photo.jpg", "evidence_polyglot", id="jpeg-then-pdf"),
        pytest.param(lambda: jpeg() + b"\x00\x00ab", "photo.jpg", "evidence_polyglot", id="jpeg-then-bytes"),
        pytest.param(lambda: png_rgba() + PDF, "photo.png", "evidence_polyglot", id="png-then-pdf"),
        pytest.param(lambda: webp() + PDF, "photo.webp", "evidence_polyglot", id="webp-then-pdf"),
        pytest.param(lambda: heic() + PDF, "photo.heic", "evidence_polyglot", id="heic-then-pdf"),
        pytest.param(lambda: jpeg() + HTML, "photo.jpg", "evidence_polyglot", id="jpeg-then-html"),
        pytest.param(lambda: png_rgba() + HTML, "photo.png", "evidence_polyglot", id="png-then-html"),
        pytest.param(lambda: webp() + HTML, "photo.webp", "evidence_polyglot", id="webp-then-html"),
        pytest.param(lambda: heic() + zip_archive(), "photo.heic", "evidence_polyglot", id="heic-then-zip"),
        pytest.param(
            lambda: jpeg(comment=b"<script>alert(1)</script>"), "photo.jpg", "evidence_polyglot", id="script-in-jpeg"
        ),
        pytest.param(
            lambda: jpeg(comment=zip_archive()), "photo.jpg", "evidence_polyglot", id="zip-inside-jpeg-comment"
        ),
        pytest.param(
            lambda: encode(picture(), "PNG", pnginfo=_text_chunk("<?php system($_GET['c']); ?>")),
            "photo.png",
            "evidence_polyglot",
            id="php-in-png-text",
        ),
        pytest.param(
            lambda: encode(picture(), "PNG", pnginfo=_text_chunk('<svg onload="alert(1)"/>')),
            "photo.png",
            "evidence_polyglot",
            id="svg-in-png-text",
        ),
    ],
)
def test_refused_with_its_own_code_and_a_thai_message(make, filename, code):
    error = refused(make(), filename)

    assert error.code == code
    assert isinstance(error, ValidationError)
    assert error.status == 400
    assert THAI.search(error.message_th)
    assert THAI.search(str(error))
    assert error.params["filename"] == filename


def _text_chunk(text):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", text)
    return info


def test_a_file_over_the_size_limit_is_refused_before_anything_else():
    error = refused(b"\xff\xd8\xff" + bytes(evidence.MAX_BYTES))

    assert evidence.MAX_BYTES == 15 * 1024 * 1024
    assert error.code == "evidence_too_large"
    assert error.message_th == "ไฟล์รูปใหญ่เกินไป รับได้ไม่เกิน 15 MB"
    assert error.as_problem()["limit_mb"] == 15


class _Upload:
    """An upload that says how large it is and fails the test if it is read."""

    name = "big.jpg"

    def __init__(self, size: int) -> None:
        self.size = size
        self.reads = 0

    def read(self) -> bytes:
        self.reads += 1
        return b"x" * self.size


def test_an_upload_over_the_size_limit_is_refused_from_its_size_without_being_read():
    upload = _Upload(evidence.MAX_BYTES + 1)

    with pytest.raises(evidence.EvidenceTooLargeError) as raised:
        evidence.read_upload(upload)

    assert upload.reads == 0
    assert raised.value.as_problem()["filename"] == "big.jpg"
    within = _Upload(evidence.MAX_BYTES)
    assert len(evidence.read_upload(within)) == evidence.MAX_BYTES and within.reads == 1


def test_a_100_megapixel_png_is_refused_from_its_header_without_decoding(monkeypatch):
    data = black_png(10_000, 10_000)
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self) or pytest.fail("decoded"))

    with pytest.warns(Image.DecompressionBombWarning):
        error = refused(data, "huge.png")

    assert error.code == "evidence_too_many_pixels"
    assert error.message_th == "รูปมีความละเอียดสูงเกินไป รับได้ไม่เกิน 40 ล้านพิกเซล"
    assert decoded == []


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_pillow_s_bomb_warning_turned_into_an_error_still_comes_out_as_ours():
    assert refused(black_png(10_000, 10_000)).code == "evidence_too_many_pixels"


def test_pillow_s_decompression_bomb_error_comes_out_as_ours():
    data = black_png(20_000, 10_000)  # over twice Pillow's own limit: Image.open itself raises
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(data))

    error = refused(data)

    assert error.code == "evidence_too_many_pixels"
    assert isinstance(error.__cause__, Image.DecompressionBombError)


@pytest.mark.parametrize("switch", [False, True])
def test_a_truncated_jpeg_is_not_rescued_by_pillow_s_truncation_switch(monkeypatch, switch):
    # WeasyPrint turns the switch on process-wide when it is imported; the checks must not depend on it.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", switch)
    data = jpeg((200, 200))

    assert refused(data[: len(data) // 2]).code == "evidence_corrupt"
    assert refused(png_with_broken_pixels()).code == "evidence_corrupt"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is switch


def test_every_refusal_has_a_distinct_code_and_a_thai_message():
    classes = EvidenceRejectedError.__subclasses__()
    codes = {cls.code for cls in classes}

    assert codes == {
        "evidence_type_not_allowed",
        "evidence_too_large",
        "evidence_too_many_pixels",
        "evidence_corrupt",
        "evidence_polyglot",
        "evidence_encrypted",
        "evidence_too_many_pages",
        "evidence_too_many_photos",
    }
    assert len(codes) == len(classes)
    # The same refusal in words that name PDF too, where documents are accepted: the same code.
    assert evidence.EvidenceFileTypeNotAllowedError.code == "evidence_type_not_allowed"
    for cls in [*classes, evidence.EvidenceFileTypeNotAllowedError]:
        assert issubclass(cls, ValidationError)
        assert THAI.search(cls(limit_mb=15, limit_megapixels=40, limit_pages=500, limit=6).message_th)


# --- documents (PDF) ---------------------------------------------------------------------------------------------

# Every name the redrawn file may hold: a catalog, its pages, one image and one drawing each, and the trailer.
REDRAWN_NAMES = {
    "/Type", "/Catalog", "/Pages", "/Kids", "/Count", "/Page", "/Parent", "/MediaBox", "/Resources", "/XObject",
    "/Im0", "/Contents", "/Subtype", "/Image", "/Width", "/Height", "/ColorSpace", "/DeviceGray", "/DeviceRGB",
    "/BitsPerComponent", "/Filter", "/FlateDecode", "/DCTDecode", "/Length", "/Root", "/Size", "/Info",
}  # fmt: skip


def names_in(data: bytes) -> set[str]:
    """Every name (as a key or a value) in every object of a PDF and its trailer, read by pypdf."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    reader = PdfReader(io.BytesIO(data))
    found: set[str] = set()

    def walk(item):
        if isinstance(item, NameObject):
            found.add(str(item))
        elif isinstance(item, DictionaryObject):
            for key, value in item.items():
                found.add(str(key))
                if not isinstance(value, IndirectObject):
                    walk(value)
        elif isinstance(item, ArrayObject):
            for value in item:
                if not isinstance(value, IndirectObject):
                    walk(value)

    walk(reader.trailer)
    for generation, table in reader.xref.items():
        for number in table:
            if number:
                walk(reader.get_object(IndirectObject(number, generation, reader)))
    return found


def pdf_of(objects):
    """A one-page PDF written with pydyf, ``objects(document, page)`` adding whatever the test needs."""
    import pydyf

    document = pydyf.PDF()
    page = pydyf.Dictionary(
        {"Type": "/Page", "Parent": document.pages.reference, "MediaBox": pydyf.Array([0, 0, 200, 200])}
    )
    objects(document, page)
    document.add_object(page)
    document.pages["Kids"].extend([page.number, 0, "R"])
    document.pages["Count"] += 1
    buffer = io.BytesIO()
    document.write(buffer, compress=True)
    return buffer.getvalue()


def image_page(data: bytes, width: int, height: int, colour_space: str, image_filter: str):
    """``pdf_of``'s builder for a page that shows one image (its data packed as ``image_filter`` says), 200 pt
    square."""
    import pydyf

    def objects(document, page):
        image = pydyf.Stream(
            [data],
            extra={"Type": "/XObject", "Subtype": "/Image", "Width": width, "Height": height,
                   "ColorSpace": colour_space, "BitsPerComponent": 8, "Filter": image_filter},
        )  # fmt: skip
        document.add_object(image)
        draw = pydyf.Stream([b"q 200 0 0 200 0 0 cm /Im0 Do Q"])
        document.add_object(draw)
        page["Resources"] = pydyf.Dictionary({"XObject": pydyf.Dictionary({"Im0": image.reference})})
        page["Contents"] = draw.reference

    return objects


def test_a_pdf_is_redrawn_as_pictures_of_its_pages():
    from pypdf import PdfReader

    from tests.factories import pdf_file

    sent = pdf_file(pages=3)
    kept = evidence.redraw_pdf(sent, "minutes.pdf")
    assert kept.data != sent and kept.data.startswith(b"%PDF-")
    assert kept.pages == 3 and kept.content_type == "application/pdf"
    assert kept.sha256 == hashlib.sha256(kept.data).hexdigest()
    reader = PdfReader(io.BytesIO(kept.data))
    assert len(reader.pages) == 3
    assert [round(float(v)) for v in reader.pages[0].mediabox] == [0, 0, 595, 842]  # the page keeps its size
    assert names_in(kept.data) <= REDRAWN_NAMES


def test_a_thai_document_is_kept_legible_and_small_in_grey():
    """Black text on white is kept as 16 grey levels: sharp and a few tens of kilobytes a page."""
    from PIL import ImageChops
    from pypdf import PdfReader
    from weasyprint import HTML

    from thamdee.common.pdf import font_css

    html = f"<style>{font_css()} body {{ font-family: Sarabun }}</style><h1>บันทึกการประชุม</h1>" + (
        "<p>ผู้เข้าร่วม ๑๒ คน ประชุมเรื่องการส่งเสริมคุณธรรมของชุมชน</p>" * 40
    )
    kept = evidence.redraw_pdf(HTML(string=html).write_pdf())
    image = PdfReader(io.BytesIO(kept.data)).pages[0].images[0].image
    assert image.mode == "L" and max(image.size) == 1400
    assert len(kept.data) < 120_000
    assert ImageChops.invert(image).getbbox() is not None  # something dark was drawn: the text


def test_a_page_in_colour_is_kept_in_colour():
    from pypdf import PdfReader
    from weasyprint import HTML

    html = (
        "<div style='background:#c0392b;width:120mm;height:80mm'></div>"
        "<div style='background:#2e86c1;height:40mm'></div>"
    )
    kept = evidence.redraw_pdf(HTML(string=html).write_pdf())
    image = PdfReader(io.BytesIO(kept.data)).pages[0].images[0].image
    assert image.mode == "RGB"
    assert b"/DCTDecode" in kept.data


def _script(document, page):
    import pydyf

    action = pydyf.Dictionary({"S": "/JavaScript", "JS": pydyf.String("app.alert(1)")})
    document.add_object(action)
    document.catalog["OpenAction"] = action.reference


def _remote_open(document, page):
    import pydyf

    action = pydyf.Dictionary({"S": "/GoToR", "F": pydyf.String("\\\\attacker\\share\\x.pdf")})
    document.add_object(action)
    document.catalog["OpenAction"] = action.reference
    page["AA"] = pydyf.Dictionary({"O": pydyf.Dictionary({"S": "/URI", "URI": pydyf.String("https://example.org/")})})


def _attached_file(document, page):
    import pydyf

    payload = pydyf.Stream([b"MZ not really a program"])  # no /Type /EmbeddedFile: optional in the standard
    document.add_object(payload)
    spec = pydyf.Dictionary(
        {"Type": "/Filespec", "F": pydyf.String("run.exe"), "EF": pydyf.Dictionary({"F": payload.reference})}
    )
    document.add_object(spec)
    note = pydyf.Dictionary(
        {"Type": "/Annot", "Subtype": "/FileAttachment", "Rect": pydyf.Array([10, 10, 30, 30]), "FS": spec.reference}
    )
    document.add_object(note)
    page["Annots"] = pydyf.Array([note.reference])
    document.catalog["AF"] = pydyf.Array([spec.reference])


def _metadata(document, page):
    import pydyf

    xmp = pydyf.Stream(
        [b"<x:xmpmeta><dc:creator>Somchai Jaidee</dc:creator></x:xmpmeta>"],
        extra={"Type": "/Metadata", "Subtype": "/XML"},
    )
    document.add_object(xmp)
    document.catalog["Metadata"] = xmp.reference
    document.info["Author"] = pydyf.String("Somchai Jaidee")


@pytest.mark.parametrize(
    "hostile",
    [_script, _remote_open, _attached_file, _metadata],
    ids=["script-on-open", "remote-open-and-uri", "attached-program", "author-metadata"],
)
def test_nothing_but_the_pages_survives_the_redraw(hostile):
    sent = pdf_of(hostile)
    kept = evidence.redraw_pdf(sent)
    assert kept.pages == 1
    assert names_in(kept.data) <= REDRAWN_NAMES
    for trace in (b"JavaScript", b"GoToR", b"URI", b"run.exe", b"MZ not", b"Somchai", b"xmpmeta", b"EF"):
        assert trace not in kept.data


def test_a_scanned_photo_inside_a_pdf_loses_its_gps():
    """Phone scanner apps put the camera's JPEG, EXIF and all, inside the PDF: the redraw keeps only pixels."""

    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (13.0, 45.0, 0.0), 3: "E", 4: (100.0, 30.0, 0.0)}
    buffer = io.BytesIO()
    picture((200, 200)).save(buffer, format="JPEG", exif=exif.tobytes())
    photo = buffer.getvalue()
    assert b"Exif\x00\x00" in photo

    sent = pdf_of(image_page(photo, 200, 200, "/DeviceRGB", "/DCTDecode"))
    assert b"Exif\x00\x00" in sent
    kept = evidence.redraw_pdf(sent)
    assert b"Exif" not in kept.data and b"GPS" not in kept.data
    from pypdf import PdfReader

    image = PdfReader(io.BytesIO(kept.data)).pages[0].images[0].image
    assert image.mode == "RGB" and len(set(image.getextrema())) > 1  # the photo was drawn, not a blank page


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: __import__("tests.factories").factories.pdf_file(password="secret"), "evidence_encrypted"),
        (lambda: b"%PDF-1.7\n" + b"\x00" * 100 + b"%%EOF", "evidence_corrupt"),
        (lambda: b"%PDF-1.7\nthis is not a document at all", "evidence_corrupt"),
        (lambda: b"junk" + __import__("tests.factories").factories.pdf_file(), "evidence_type_not_allowed"),
    ],
    ids=["password", "no-objects", "garbage", "not-a-pdf"],
)
def test_a_pdf_that_cannot_be_read_is_refused(make, code):
    with pytest.raises(EvidenceRejectedError) as refused:
        evidence.redraw_pdf(make(), "x.pdf")
    assert refused.value.code == code
    assert THAI.search(str(refused.value))


def test_a_pdf_over_the_page_limit_is_refused(monkeypatch):
    from tests.factories import pdf_file

    monkeypatch.setattr(evidence, "MAX_PDF_PAGES", 2)
    assert evidence.redraw_pdf(pdf_file(pages=2)).pages == 2
    with pytest.raises(EvidenceRejectedError) as refused:
        evidence.redraw_pdf(pdf_file(pages=3))
    assert refused.value.code == "evidence_too_many_pages"


def test_a_pdf_over_the_size_limit_is_refused_before_it_is_read(monkeypatch):
    from tests.factories import pdf_file

    data = pdf_file()
    monkeypatch.setattr(evidence, "MAX_BYTES", len(data) - 1)
    with pytest.raises(EvidenceRejectedError) as refused:
        evidence.redraw_pdf(data)
    assert refused.value.code == "evidence_too_large"


def _huge_image(side: int):
    """A page showing one ``side`` x ``side`` grey image, a few hundred kilobytes packed."""

    packer = zlib.compressobj(9)
    row = bytes(range(256)) * (side // 256) + bytes(side % 256)
    packed = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()

    return pdf_of(image_page(packed, side, side, "/DeviceGray", "/FlateDecode"))


def test_a_small_file_that_unpacks_into_a_huge_image_is_drawn_at_page_size():
    """144 megapixels packed into half a megabyte: drawn at the page's size, not unpacked whole."""
    from pypdf import PdfReader

    data = _huge_image(12_000)
    assert len(data) < 1_000_000
    kept = evidence.redraw_pdf(data)
    image = PdfReader(io.BytesIO(kept.data)).pages[0].images[0].image
    assert max(image.size) <= 1400 and image.getextrema()[1] > image.getextrema()[0]  # drawn, not blank


def test_a_redraw_that_runs_out_of_memory_or_time_is_a_refusal_not_a_crash(monkeypatch):
    """The limits hold in the redrawing process: hitting one ends that process, and the upload is refused."""
    from tests.factories import pdf_file

    monkeypatch.setattr(evidence, "REDRAW_MEMORY", 16 * 1024 * 1024)  # less than the interpreter needs
    with pytest.raises(EvidenceRejectedError) as refused:
        evidence.redraw_pdf(pdf_file())
    assert refused.value.code == "evidence_corrupt"
    monkeypatch.undo()
    monkeypatch.setattr(evidence, "REDRAW_TIMEOUT", 0.001)
    with pytest.raises(EvidenceRejectedError) as refused:
        evidence.redraw_pdf(pdf_file())
    assert refused.value.code == "evidence_corrupt"


def filled_form() -> bytes:
    """A page with a text field filled in ("SOMCHAI FILLED VALUE", drawn by its appearance stream), written by
    hand: what a form filled in on a computer looks like."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /DA (/Helv 24 Tf 0 g) "
        b"/DR << /Font << /Helv 5 0 R >> >> >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] /Contents 7 0 R "
        b"/Resources << /Font << /Helv 5 0 R >> >> >>",
        b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /V (SOMCHAI FILLED VALUE) /DA (/Helv 24 Tf 0 g) "
        b"/Rect [50 600 545 650] /P 3 0 R /F 4 /AP << /N 6 0 R >> >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    look = b"/Tx BMC BT /Helv 24 Tf 0 g 2 15 Td (SOMCHAI FILLED VALUE) Tj ET EMC"
    objects.append(
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 495 50] /Resources << /Font << /Helv 5 0 R >> >> "
        b"/Length %d >>\nstream\n" % len(look) + look + b"\nendstream"
    )
    text = b"BT /Helv 24 Tf 50 750 Td (Static page text) Tj ET"
    objects.append(b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream")
    out, offsets = b"%PDF-1.7\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start)


def test_a_filled_in_form_keeps_what_was_filled_in():
    """The field's value is drawn as a viewer shows it; the field itself (a form) is not kept."""
    from PIL import ImageOps
    from pypdf import PdfReader

    kept = evidence.redraw_pdf(filled_form())
    assert b"AcroForm" not in kept.data and b"Widget" not in kept.data
    image = PdfReader(io.BytesIO(kept.data)).pages[0].images[0].image
    width, height = image.size
    # the field's box: x 50-545 and y 600-650 of a 595 x 842 page (y from the bottom)
    box = (
        int(50 / 595 * width),
        int((842 - 650) / 842 * height),
        int(545 / 595 * width),
        int((842 - 600) / 842 * height),
    )
    assert ImageOps.invert(image.convert("L").crop(box)).getbbox() is not None  # something dark: the value


def test_a_grey_photo_page_is_kept_as_a_jpeg_and_a_text_page_losslessly():
    from tests.factories import pdf_file

    photo = io.BytesIO()
    picture((600, 800)).convert("L").save(photo, format="JPEG", quality=90)
    grey_photo = pdf_of(image_page(photo.getvalue(), 600, 800, "/DeviceGray", "/DCTDecode"))
    assert b"/DCTDecode" in evidence.redraw_pdf(grey_photo).data

    text = evidence.redraw_pdf(pdf_file()).data
    assert b"/FlateDecode" in text and b"/DCTDecode" not in text


def test_a_pdf_whose_pages_would_weigh_too_much_is_refused(monkeypatch):
    from tests.factories import pdf_file

    monkeypatch.setattr(evidence, "MAX_REDRAWN_BYTES", 500)
    with pytest.raises(EvidenceRejectedError) as refused:
        evidence.redraw_pdf(pdf_file(pages=3))
    assert refused.value.code == "evidence_too_large"
    assert "PDF" in refused.value.message_th and "หน้า" in refused.value.message_th


def test_a_server_that_cannot_start_the_redraw_says_try_again(monkeypatch):
    import subprocess

    from tests.factories import pdf_file
    from thamdee.common.errors import DomainError

    def cannot_fork(*args, **kwargs):
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(subprocess, "run", cannot_fork)
    with pytest.raises(DomainError) as refused:
        evidence.redraw_pdf(pdf_file())
    assert refused.value.code == "evidence_unavailable" and refused.value.status == 503
    assert THAI.search(refused.value.message_th)


def test_the_redraw_runs_without_the_site_s_settings_or_secrets(monkeypatch):
    """Started in isolated mode with an almost empty environment: a secret in this process's environment does
    not reach it."""
    import subprocess

    from tests.factories import pdf_file

    monkeypatch.setenv("THAMDEE_TEST_SECRET", "do-not-pass")
    seen = {}
    real_run = subprocess.run

    def spy(command, **kwargs):
        seen["command"], seen["env"] = command, kwargs.get("env")
        return real_run(command, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    evidence.redraw_pdf(pdf_file())
    assert "-I" in seen["command"] and seen["env"] == {"LANG": "C.UTF-8"}


def test_the_redraw_is_sealed_off_from_the_network_the_site_s_files_and_other_processes(tmp_path):
    """Once isolated, the redrawing process reaches no address (a TCP port and a Unix socket this test listens on,
    both reachable before), opens no file of the site (a key-like file readable before), writes nowhere, and has a
    process limit of 0; the fonts PDFium may need are still there. Run the way ``redraw_pdf`` runs it (isolated
    mode, empty environment)."""
    import json
    import os
    import socket
    import subprocess
    import sys

    from thamdee.deeds import pdfredraw

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    unix_path = str(tmp_path / "db.sock")
    unix_listener = socket.socket(socket.AF_UNIX)
    unix_listener.bind(unix_path)
    unix_listener.listen()
    secret = tmp_path / "issuer.pem"
    secret.write_text("PRIVATE KEY")
    os.chmod(secret, 0o600)
    probe = f"""
import json, os, resource, socket
from thamdee.deeds import pdfredraw
def tcp():
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
        return True
    except OSError:
        return False
def unix():
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect({unix_path!r})
        s.close()
        return True
    except OSError:
        return False
def secret():
    try:
        return open({str(secret)!r}).read()
    except OSError:
        return None
def write():
    try:
        open("/written", "w").write("x")
        return True
    except OSError:
        return False
before = [tcp(), unix(), secret()]
pdfredraw.limit(1536 * 1024 * 1024, 30)
pdfredraw.prepare()
level = pdfredraw.isolate()
after = [tcp(), unix(), secret()]
print(json.dumps({{"before": before, "level": level, "after": after, "write": write(),
    "fonts": os.path.isdir("/usr/share/fonts"), "root": sorted(os.listdir("/")),
    "nproc": resource.getrlimit(resource.RLIMIT_NPROC)}}))
"""
    try:
        done = subprocess.run(  # noqa: S603 - this interpreter, a probe of our own
            [sys.executable, "-I", "-c", probe], capture_output=True, env={"LANG": "C.UTF-8"}, cwd="/", timeout=60
        )
    finally:
        listener.close()
        unix_listener.close()
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["before"] == [True, True, "PRIVATE KEY"]
    assert seen["level"] == pdfredraw.SEALED
    assert seen["after"] == [False, False, None]
    assert seen["write"] is False
    assert seen["fonts"] is True and seen["root"] == ["usr"]
    assert seen["nproc"] == [0, 0]


def test_a_redraw_without_its_sandbox_is_logged_once(monkeypatch, caplog):
    """Where the kernel refuses the namespaces, the redraw still runs, and says so: the server logs a warning (once
    a process), so that operators know."""
    import subprocess

    from tests.factories import pdf_file
    from thamdee.deeds import pdfredraw

    real_run = subprocess.run

    def refused(command, **kwargs):
        done = real_run(command, **kwargs)
        done.stderr = b"pdfredraw: isolation " + pdfredraw.NOT_ISOLATED.encode() + b"\n"
        return done

    monkeypatch.setattr(subprocess, "run", refused)
    monkeypatch.setattr(evidence, "_warned_isolation", __import__("threading").Event())
    with caplog.at_level("WARNING", logger="thamdee.deeds.evidence"):
        evidence.redraw_pdf(pdf_file())
        evidence.redraw_pdf(pdf_file())
    warnings = [r for r in caplog.records if "sandbox" in r.getMessage()]
    assert len(warnings) == 1 and "isolation none" in warnings[0].getMessage()


def coloured_pages(*colours: str) -> bytes:
    """A PDF of 200 pt square pages, each filled with one colour (PDF operands, "1 0 0" for red)."""
    import pydyf

    document = pydyf.PDF()
    for colour in colours:
        draw = pydyf.Stream([f"{colour} rg 0 0 200 200 re f".encode()])
        document.add_object(draw)
        page = pydyf.Dictionary(
            {
                "Type": "/Page",
                "Parent": document.pages.reference,
                "MediaBox": pydyf.Array([0, 0, 200, 200]),
                "Contents": draw.reference,
            }
        )
        document.add_object(page)
        document.pages["Kids"].extend([page.number, 0, "R"])
        document.pages["Count"] += 1
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def test_a_redrawn_pdf_comes_with_a_thumbnail_of_its_first_page():
    kept = evidence.redraw_pdf(coloured_pages("1 0 0", "0 0 1"))  # red, then blue
    assert kept.pages == 2
    thumbnail = Image.open(io.BytesIO(kept.thumbnail))
    assert thumbnail.format == "JPEG" and max(thumbnail.size) == evidence.THUMBNAIL_SIDE
    red, green, blue = thumbnail.convert("RGB").getpixel((thumbnail.width // 2, thumbnail.height // 2))
    assert red > 200 and green < 60 and blue < 60  # the first page's red, not the second's blue
    assert b"Exif" not in kept.thumbnail


def test_a_redraw_answer_that_is_not_framed_is_a_refusal(monkeypatch):
    """The redrawing process's answer is the PDF's length, the PDF and the thumbnail; anything else (cut short, no
    thumbnail, a thumbnail over its limit) is refused as unreadable rather than kept."""
    import subprocess

    from tests.factories import pdf_file
    from thamdee.deeds import pdfredraw

    real_run = subprocess.run
    cut_short = lambda out: out[:12]  # noqa: E731
    without_thumbnail = lambda out: pdfredraw.frame(pdfredraw.unframe(out)[0], b"")  # noqa: E731
    huge_thumbnail = lambda out: pdfredraw.frame(  # noqa: E731
        pdfredraw.unframe(out)[0], b"\xff\xd8" + bytes(pdfredraw.MAX_THUMBNAIL_BYTES)
    )
    for damage in (cut_short, without_thumbnail, huge_thumbnail):

        def damaged(command, damage=damage, **kwargs):
            done = real_run(command, **kwargs)
            answer = kwargs["stdout"]  # the file the process wrote its answer to
            answer.seek(0)
            changed = damage(answer.read())
            answer.seek(0)
            answer.truncate()
            answer.write(changed)
            return done

        monkeypatch.setattr(subprocess, "run", damaged)
        with pytest.raises(EvidenceRejectedError) as refused:
            evidence.redraw_pdf(pdf_file())
        assert refused.value.code == "evidence_corrupt"
    assert pdfredraw.unframe(b"short") is None
    assert pdfredraw.unframe((100).to_bytes(8, "big") + b"%PDF-") is None  # says more than it holds
    assert pdfredraw.unframe(pdfredraw.frame(b"%PDF-1", b"\xff\xd8")) == (b"%PDF-1", b"\xff\xd8")
