"""Evidence photos: accept only real images, refuse everything else, and keep a clean re-encoded copy.

An upload is judged by its bytes, never by its name: the magic bytes pick a format, the container is walked to its
end so nothing can ride along after it, and Pillow must open it as that same format and decode every pixel. What is
kept is a fresh JPEG drawn from the decoded pixels, so no metadata of the original (EXIF with GPS, XMP, comments,
colour profiles) survives.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageFile, ImageOps
from pillow_heif import register_heif_opener

from thamdee.common.errors import DomainError, ValidationError

register_heif_opener()

MAX_BYTES = 15 * 1024 * 1024
# Photos a deed carries, from the web form and the API alike; a story (reports.services.story_save) carries
# MAX_STORY_PHOTOS. Each is decoded and re-encoded: an unbounded number would be unbounded work for one request.
MAX_PHOTOS_PER_DEED = 6
MAX_STORY_PHOTOS = 12
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
THUMBNAIL_SIDE = 320
IMAGE_QUALITY = 85
THUMBNAIL_QUALITY = 75
CONTENT_TYPE = "image/jpeg"

_WHITE = (255, 255, 255)
logger = logging.getLogger(__name__)
_warned_isolation = threading.Event()  # the redraw's sandbox missing is logged once a process, not per file
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_HEIF_GENERIC_BRANDS = frozenset({b"mif1", b"msf1"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
# Padding some writers leave after the end of an image. Nothing can be spelled in it, so any amount is harmless.
_PADDING = b"\x00 \t\r\n"
# A tag name ends at whitespace, "/" or ">" for a browser, so requiring one keeps chance matches in compressed
# pixel data rare ("<svg" alone turns up by chance in a few percent of 15 MB files).
_MARKUP = re.compile(rb"<(?:script|html|\?php|svg)[\s/>]", re.IGNORECASE)
# A ZIP reader looks for its end-of-central-directory record in the last 64 KiB + 22 bytes of a file.
_ZIP_END = b"PK\x05\x06"
_ZIP_END_WINDOW = 65_535 + 22
# Pillow names a JPEG carrying MPF extra images (Ultra HDR gain maps, multi-picture files) "MPO".
_PILLOW_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "HEIF": "HEIF"}


class EvidenceRejectedError(ValidationError):
    code = "evidence_rejected"
    message = _("รับไฟล์หลักฐานนี้ไม่ได้")


class EvidenceTypeNotAllowedError(EvidenceRejectedError):
    code = "evidence_type_not_allowed"
    message = _("รับเฉพาะรูปภาพ JPEG PNG WEBP หรือ HEIC")


class EvidenceTooManyPhotosError(EvidenceRejectedError):
    code = "evidence_too_many_photos"
    message = _("แนบรูปได้ไม่เกิน {limit} รูป")


class EvidenceTooLargeError(EvidenceRejectedError):
    code = "evidence_too_large"
    message = _("ไฟล์รูปใหญ่เกินไป รับได้ไม่เกิน {limit_mb} MB")


class EvidenceTooManyPixelsError(EvidenceRejectedError):
    code = "evidence_too_many_pixels"
    message = _("รูปมีความละเอียดสูงเกินไป รับได้ไม่เกิน {limit_megapixels} ล้านพิกเซล")


class EvidenceCorruptError(EvidenceRejectedError):
    code = "evidence_corrupt"
    message = _("ไฟล์รูปเสียหรือไม่สมบูรณ์ โปรดถ่ายหรือเลือกรูปใหม่")


class EvidencePolyglotError(EvidenceRejectedError):
    code = "evidence_polyglot"
    message = _("ไฟล์รูปนี้มีข้อมูลอื่นแฝงหรือต่อท้ายอยู่ จึงรับไม่ได้ โปรดบันทึกเป็นรูปภาพธรรมดาแล้วส่งใหม่")


@dataclass(frozen=True)
class ProcessedImage:
    image: bytes
    thumbnail: bytes
    content_type: str
    width: int
    height: int
    sha256: str
    original_format: str


_STRICT = threading.Lock()


@contextlib.contextmanager
def _strict_decoding() -> Iterator[None]:
    """Decode with Pillow refusing truncated data, whatever the process-wide switch says: WeasyPrint turns
    ``ImageFile.LOAD_TRUNCATED_IMAGES`` on when it is imported (to render damaged images in PDFs), which would
    otherwise let a cut-off photo through once any PDF has been rendered in this process."""
    with _STRICT:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def read_upload(upload: Any) -> bytes:
    """An uploaded file's bytes, read only when it is not larger than ``MAX_BYTES`` (pages and API alike): a
    too-large photo is refused from its size before any of it is read into memory."""
    if (upload.size or 0) > MAX_BYTES:
        raise EvidenceTooLargeError(limit_mb=MAX_BYTES // (1024 * 1024), filename=upload.name or "")
    return bytes(upload.read())


def process_evidence(data: bytes, filename: str = "") -> ProcessedImage:
    """Check an uploaded evidence photo and return a clean JPEG copy and a thumbnail.

    Guarantees: the result was decoded from a complete JPEG, PNG, WEBP or HEIC/HEIF file of at most ``MAX_BYTES``
    bytes and ``MAX_PIXELS`` pixels, with nothing appended to it and no markup inside it; it is upright (EXIF
    orientation applied), RGB on white, at most ``MAX_SIDE`` px on its longest side and carries no metadata.
    Anything else raises an ``EvidenceRejectedError`` subclass. ``filename`` is never used to judge the file; it is
    only reported in the error's parameters.
    """
    if len(data) > MAX_BYTES:
        raise EvidenceTooLargeError(limit_mb=MAX_BYTES // (1024 * 1024), filename=filename)
    kind = _sniff(data)
    if kind is None:
        raise EvidenceTypeNotAllowedError(filename=filename)
    _check_structure(kind, data, filename)
    if _MARKUP.search(data) or _ZIP_END in data[-_ZIP_END_WINDOW:]:
        raise EvidencePolyglotError(filename=filename)
    with _strict_decoding():
        picture = _decode(kind, data, filename)
    width, height = picture.size
    image = _save_jpeg(picture, IMAGE_QUALITY)
    picture.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return ProcessedImage(
        image=image,
        thumbnail=_save_jpeg(picture, THUMBNAIL_QUALITY),
        content_type=CONTENT_TYPE,
        width=width,
        height=height,
        sha256=hashlib.sha256(image).hexdigest(),
        original_format=kind,
    )


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(_PNG_SIGNATURE):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and _is_hevc_heif(data):
        return "HEIF"
    return None


def _is_hevc_heif(data: bytes) -> bool:
    """HEIC, or generic HEIF that does not say it is AVIF (which this server cannot decode)."""
    size = int.from_bytes(data[:4], "big")
    if size < 16 or size > len(data):
        return False
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, size - 3, 4)}
    if brands & _HEVC_BRANDS:
        return True
    return data[8:12] in _HEIF_GENERIC_BRANDS and not brands & _AVIF_BRANDS


def _check_structure(kind: str, data: bytes, filename: str) -> None:
    """Walk the container to its real end: a file cut short is corrupt, bytes after the end are a polyglot."""
    if kind == "JPEG":
        end = _jpeg_end(data, 0)
        # What may follow a JPEG is more JPEG: MPF extra images such as the HDR gain maps phones append.
        while end is not None:
            end = _skip_padding(data, end)
            if end == len(data) or not data.startswith(b"\xff\xd8\xff", end):
                break
            end = _jpeg_end(data, end)
    elif kind == "PNG":
        end = _png_end(data)
    elif kind == "WEBP":
        end = 8 + int.from_bytes(data[4:8], "little")
        end = end if end <= len(data) else None
    else:
        end = _isobmff_end(data)
    if end is None:
        raise EvidenceCorruptError(filename=filename)
    if _skip_padding(data, end) != len(data):
        raise EvidencePolyglotError(filename=filename)


def _skip_padding(data: bytes, pos: int) -> int:
    while pos < len(data) and data[pos] in _PADDING:
        pos += 1
    return pos


def _jpeg_end(data: bytes, start: int) -> int | None:
    """The offset just after the EOI marker of the JPEG stream at ``start``, or None if it never ends.

    Entropy-coded data needs no special case: inside it a 0xFF is always followed by 0x00 (stuffing) or a restart
    marker, both of which stand alone, so the walk steps through it to the next real marker.
    """
    n = len(data)
    pos = start + 2
    while True:
        # libjpeg skips stray bytes before a marker; so do we, or Pillow-readable photos would be refused.
        pos = data.find(b"\xff", pos)
        if pos < 0:
            return None
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            return None
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            return pos
        if marker in (0x00, 0x01) or 0xD0 <= marker <= 0xD7:
            continue
        if pos + 2 > n:
            return None
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > n:
            return None
        pos += length


def _png_end(data: bytes) -> int | None:
    n = len(data)
    pos = len(_PNG_SIGNATURE)
    while pos + 12 <= n:
        length = int.from_bytes(data[pos : pos + 4], "big")
        chunk_type = data[pos + 4 : pos + 8]
        pos += 12 + length
        if length > 0x7FFFFFFF or pos > n:
            return None
        if chunk_type == b"IEND":
            return pos
    return None


def _isobmff_end(data: bytes) -> int | None:
    """The end of the last whole top-level box (HEIF is ISO BMFF: every byte belongs to a box)."""
    n = len(data)
    pos = 0
    while pos + 8 <= n:
        size = int.from_bytes(data[pos : pos + 4], "big")
        box_type = data[pos + 4 : pos + 8]
        if size == 1:
            if pos + 16 > n:
                return pos
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
        elif size == 0:
            size = n - pos
        if size < 8 or pos + size > n:
            # A top-level box type is four letters or digits: such a box that overruns the file was cut short;
            # anything else is foreign data, reported as trailing.
            if box_type.isalnum():
                return None
            return pos
        pos += size
    return pos


def _decode(kind: str, data: bytes, filename: str) -> Image.Image:
    """Open as ``kind`` only, check the declared size before any pixel is decoded, then decode every pixel."""
    try:
        opened = Image.open(io.BytesIO(data), formats=[kind])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise EvidenceTooManyPixelsError(limit_megapixels=MAX_PIXELS // 1_000_000, filename=filename) from exc
    except Exception as exc:  # the magic bytes said `kind` but its parser refused the header: a broken file
        raise EvidenceCorruptError(filename=filename) from exc
    with opened:
        if _PILLOW_FORMATS.get(opened.format or "") != kind:
            raise EvidenceTypeNotAllowedError(filename=filename)
        width, height = opened.size
        if width * height > MAX_PIXELS:
            raise EvidenceTooManyPixelsError(limit_megapixels=MAX_PIXELS // 1_000_000, filename=filename)
        try:
            if kind == "JPEG":
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the result would be shrunk anyway.
                # (No draft for HEIF: it would pick an embedded thumbnail, whose content we cannot vouch for.)
                opened.draft("RGB", (MAX_SIDE, MAX_SIDE))
            opened.load()
            icc_profile = opened.info.get("icc_profile")
            # Shrink first so the copies below are at most MAX_SIDE square, not up to MAX_PIXELS. The bound is a
            # square, so shrinking before turning upright gives the same size.
            picture = _resizable(opened)
            picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            picture = _to_srgb(_flatten_on_white(ImageOps.exif_transpose(picture)), icc_profile)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise EvidenceTooManyPixelsError(limit_megapixels=MAX_PIXELS // 1_000_000, filename=filename) from exc
        except Exception as exc:  # truncated data, bad checksums, decoder errors: all mean a broken file
            raise EvidenceCorruptError(filename=filename) from exc
    # Pillow copies `info` along and its JPEG writer re-emits comments from it; start from nothing.
    picture.info.clear()
    return picture


def _resizable(image: Image.Image) -> Image.Image:
    """A mode that resamples smoothly: palette and 1-bit images would be resized pixel by pixel."""
    if "transparency" in image.info or image.mode == "PA":
        # A transparent colour key must become real alpha before resampling blends it into its neighbours.
        return image.convert("RGBA")
    if image.mode in ("P", "1"):
        return image.convert("RGB")
    if image.mode.startswith("I"):
        # 16-bit greyscale; a plain convert would clip every value above 255 to white.
        return image.convert("I").point(lambda value: value / 256).convert("L")
    return image


def _flatten_on_white(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "RGBa"):
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, _WHITE)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image if image.mode == "RGB" else image.convert("RGB")


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Bake a colour profile (Display P3 on phones) into the pixels, since the saved copy carries none."""
    if not icc_profile:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if source.profile.xcolor_space.strip() != "RGB":
            return image
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # an unreadable profile: keep the pixels as they are rather than refuse the photo
    return converted if converted is not None else image


def _save_jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


# --- documents --------------------------------------------------------------------------------------------------

PDF_CONTENT_TYPE = "application/pdf"
MAX_PDF_PAGES = 100
# What a redrawn PDF may weigh: a page is about 30 KB of text or 150-300 KB of photo, so a hundred pages of
# scanned photos fit; one image repeated on every page of a small file does not.
MAX_REDRAWN_BYTES = 30 * 1024 * 1024
# The redrawing process: its address space and CPU seconds, and how long the caller waits for it. A 100-page scan
# takes about 3 s and 200 MB.
REDRAW_MEMORY = 1536 * 1024 * 1024
REDRAW_CPU_SECONDS = 30
REDRAW_TIMEOUT = 60


class EvidenceFileTypeNotAllowedError(EvidenceTypeNotAllowedError):
    """Where PDF documents are accepted besides photos (assessments): the same refusal, saying so."""

    message = _("รับเฉพาะรูปภาพ JPEG PNG WEBP HEIC หรือเอกสาร PDF")


class EvidenceEncryptedError(EvidenceRejectedError):
    code = "evidence_encrypted"
    message = _("เอกสาร PDF นี้ใส่รหัสผ่านไว้ ผู้ตรวจจะเปิดไม่ได้ โปรดบันทึกเป็นฉบับที่ไม่มีรหัสผ่านแล้วส่งใหม่")


class EvidenceTooManyPagesError(EvidenceRejectedError):
    code = "evidence_too_many_pages"
    message = _("เอกสาร PDF ยาวเกินไป รับได้ไม่เกิน {limit_pages} หน้า")


class EvidenceRedrawnTooLargeError(EvidenceTooLargeError):
    """A PDF whose redrawn pages would weigh too much to keep (the same code as a file too large)."""

    message = _("เอกสาร PDF นี้เมื่อจัดเก็บเป็นภาพแต่ละหน้าจะใหญ่เกิน {limit_mb} MB โปรดแบ่งเป็นหลายไฟล์หรือลดจำนวนหน้า")


class EvidenceUnavailableError(DomainError):
    """The server could not start the process that redraws a PDF (no memory or processes to spare, or limits it may
    not set): nothing is wrong with the file, and sending it again later may work."""

    code = "evidence_unavailable"
    status = 503
    message = _("ขณะนี้ระบบตรวจเอกสาร PDF ไม่ได้ โปรดลองส่งใหม่อีกครั้งภายหลัง")


@dataclass(frozen=True)
class CheckedDocument:
    data: bytes
    content_type: str
    pages: int
    sha256: str
    thumbnail: bytes  # a JPEG of the first page, as a photo's thumbnail


def is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-")


def redraw_pdf(data: bytes, filename: str = "") -> CheckedDocument:
    """Keep a PDF as pictures of its pages: a new PDF drawn from what its pages show, and nothing else.

    A PDF can carry scripts, actions that open programs or addresses, attached and embedded files, forms and
    metadata (EXIF with GPS inside a scanned photo, too), in more places than a list of names can follow; redrawing
    keeps none of them. The original is read by PDFium (``thamdee.deeds.pdfredraw``) in a process of its own, started
    in Python's isolated mode with an almost empty environment (no setting or secret of the site), which limits its
    own memory and CPU time, leaves the network and may start no process before it reads the file
    (``pdfredraw.isolate``), so a hostile or broken file fails that process alone. The
    price: the text of the document is no longer selectable (a reviewer reads the pages).

    Guarantees: at most ``MAX_BYTES`` bytes and ``MAX_PDF_PAGES`` pages in, at most ``MAX_REDRAWN_BYTES`` out; the
    PDF header first; not encrypted (a reviewer could not open it). Anything else raises an
    ``EvidenceRejectedError`` subclass; ``filename`` is only reported. ``EvidenceUnavailableError`` (503) if the
    process cannot be started."""
    import subprocess
    import sys

    from thamdee.deeds import pdfredraw

    if len(data) > MAX_BYTES:
        raise EvidenceTooLargeError(limit_mb=MAX_BYTES // (1024 * 1024), filename=filename)
    if not is_pdf(data):
        raise EvidenceFileTypeNotAllowedError(filename=filename)
    command = [sys.executable, "-I", "-m", "thamdee.deeds.pdfredraw"]
    command += [str(MAX_PDF_PAGES), str(MAX_REDRAWN_BYTES), str(REDRAW_MEMORY), str(REDRAW_CPU_SECONDS)]
    command += [str(THUMBNAIL_SIDE)]
    try:
        # The answer goes to a file, not a pipe: the process may write no more than it is allowed (its file size
        # limit, enforced by the kernel), so a process taken over cannot fill this one's memory.
        with tempfile.TemporaryFile() as out:
            done = subprocess.run(  # noqa: S603 - our own module, run by this interpreter
                command,
                input=data,
                stdout=out,
                stderr=subprocess.PIPE,
                timeout=REDRAW_TIMEOUT,
                env={"LANG": "C.UTF-8"},
                cwd="/",
                check=False,
            )
            out.seek(0)
            done.stdout = out.read(MAX_REDRAWN_BYTES + pdfredraw.MAX_THUMBNAIL_BYTES + pdfredraw.FRAME_SLACK + 1)
    except subprocess.TimeoutExpired as exc:
        raise EvidenceCorruptError(filename=filename) from exc
    except (OSError, subprocess.SubprocessError) as exc:
        raise EvidenceUnavailableError(filename=filename) from exc
    if b"pdfredraw: isolation" in (done.stderr or b"") and not _warned_isolation.is_set():
        _warned_isolation.set()
        logger.warning("PDF redraw runs without its sandbox (%s)", done.stderr.decode(errors="replace").strip()[:200])
    if done.returncode == pdfredraw.NO_LIMITS:
        raise EvidenceUnavailableError(filename=filename)
    if done.returncode == pdfredraw.ENCRYPTED:
        raise EvidenceEncryptedError(filename=filename)
    if done.returncode == pdfredraw.TOO_MANY_PAGES:
        raise EvidenceTooManyPagesError(limit_pages=MAX_PDF_PAGES, filename=filename)
    answer = pdfredraw.unframe(done.stdout) if done.returncode == 0 else None
    redrawn, thumbnail = answer if answer is not None else (b"", b"")
    if done.returncode == pdfredraw.TOO_LARGE or len(redrawn) > MAX_REDRAWN_BYTES:
        raise EvidenceRedrawnTooLargeError(limit_mb=MAX_REDRAWN_BYTES // (1024 * 1024), filename=filename)
    if (
        done.returncode != 0
        or not is_pdf(redrawn)
        or not thumbnail.startswith(b"\xff\xd8")
        or len(thumbnail) > pdfredraw.MAX_THUMBNAIL_BYTES
    ):
        raise EvidenceCorruptError(filename=filename)
    return CheckedDocument(
        data=redrawn,
        content_type=PDF_CONTENT_TYPE,
        pages=len(_PAGE.findall(redrawn)),  # the new file's own pages: it holds nothing else that says /Page
        sha256=hashlib.sha256(redrawn).hexdigest(),
        thumbnail=thumbnail,
    )


_PAGE = re.compile(rb"/Type\s*/Page\b")
