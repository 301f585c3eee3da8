"""Redraw a PDF as pictures of its pages, in a process of its own (``python -m thamdee.deeds.pdfredraw``).

Reads the PDF on standard input and writes a new PDF on standard output: one image per page, drawn by PDFium
(pypdfium2), at most ``MAX_SIDE`` pixels on its longest side; a grey page is kept as 16 grey levels compressed
with Flate (text stays sharp and small), a page with colour as a JPEG. Nothing else of the original survives:
no script, action, annotation, form, attached or embedded file, metadata (XMP, the document information, EXIF
inside its images), or anything appended to it.

Filled-in form fields and visible signature boxes are drawn as a viewer shows them (PDFium's form layer, which in
these builds runs no JavaScript). A grey page is kept in whichever of two forms is smaller: 16 grey levels
compressed losslessly (text) or a grey JPEG (a scanned photo).

It sets its own limits on memory and CPU time (``limit``, from its arguments, never above the limits it was
started with) before reading anything, so that a hostile file can only exhaust this process; and it leaves the
network and the file system and may start no other process (``isolate``). It is started in
Python's isolated mode with an almost empty environment (``deeds.evidence.redraw_pdf``): it sees no setting or
secret of the site. Exit status: 0 done; ``ENCRYPTED``, ``TOO_MANY_PAGES``, ``UNREADABLE``, ``NO_LIMITS`` or
``TOO_LARGE`` otherwise (``TOO_LARGE`` as soon as the pages drawn outweigh what may be kept). No Django here: the
child imports only this module, PDFium, Pillow and pydyf.
"""

from __future__ import annotations

import io
import sys
import zlib
from collections.abc import Iterator

ENCRYPTED = 10
TOO_MANY_PAGES = 11
UNREADABLE = 12
NO_LIMITS = 13
TOO_LARGE = 14
MAX_SIDE = 1400  # pixels: an A4 page at about 120 dots an inch
MAX_DPI = 150
JPEG_QUALITY = 70
THUMBNAIL_QUALITY = 75  # as the photos' thumbnails (deeds.evidence)
MAX_THUMBNAIL_BYTES = 512 * 1024  # far above what a JPEG of 320 pixels a side weighs
FRAME_SLACK = 1024 * 1024  # the PDF's own structure and the frame, beyond the pages' pictures
GREY_TOLERANCE = 24  # largest difference between colour channels on a page still drawn in grey


def _pages(data: bytes, max_pages: int) -> Iterator[tuple[float, float, object]]:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        sys.exit(ENCRYPTED if getattr(exc, "err_code", None) == 4 else UNREADABLE)
    document.init_forms()  # filled-in fields are drawn as a viewer shows them
    count = len(document)
    if count == 0:
        sys.exit(UNREADABLE)
    if count > max_pages:
        sys.exit(TOO_MANY_PAGES)
    for index in range(count):
        page = document[index]
        width, height = page.get_size()
        if width <= 0 or height <= 0:
            sys.exit(UNREADABLE)
        scale = min(MAX_SIDE / max(width, height), MAX_DPI / 72)
        picture = page.render(scale=scale, may_draw_forms=True).to_pil().convert("RGB")
        page.close()
        yield width, height, picture
    document.close()


def _is_grey(picture: object) -> bool:
    from PIL import Image, ImageChops

    assert isinstance(picture, Image.Image)
    small = picture.copy()
    small.thumbnail((300, 300))
    red, green, blue = small.split()
    # One band each: getextrema() is (least, most).
    spreads = [ImageChops.difference(a, b).getextrema()[1] for a, b in ((red, green), (green, blue))]
    return all(int(spread) <= GREY_TOLERANCE for spread in spreads)  # type: ignore[arg-type]


def _image(picture: object) -> tuple[bytes, dict[str, object]]:
    """The page's picture as an image XObject's data and dictionary."""
    from PIL import Image

    assert isinstance(picture, Image.Image)
    width, height = picture.size
    extra: dict[str, object] = {"Type": "/XObject", "Subtype": "/Image", "Width": width, "Height": height}
    if _is_grey(picture):
        grey = picture.convert("L")
        levels = zlib.compress(grey.point(lambda v: (v >> 4) * 17).tobytes(), 6)
        photo = _jpeg(grey)
        extra |= {"ColorSpace": "/DeviceGray", "BitsPerComponent": 8}
        if len(photo) < len(levels):  # a scanned photo: grey levels compress poorly
            return photo, extra | {"Filter": "/DCTDecode"}
        return levels, extra | {"Filter": "/FlateDecode"}
    extra |= {"ColorSpace": "/DeviceRGB", "BitsPerComponent": 8, "Filter": "/DCTDecode"}
    return _jpeg(picture), extra


def _jpeg(picture: object) -> bytes:
    from PIL import Image

    assert isinstance(picture, Image.Image)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def _thumbnail(picture: object, side: int) -> bytes:
    """A small JPEG of a page's picture, at most ``side`` pixels on its longest side."""
    from PIL import Image

    assert isinstance(picture, Image.Image)
    small = picture.copy()
    small.thumbnail((side, side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    if buffer.tell() > MAX_THUMBNAIL_BYTES:
        sys.exit(UNREADABLE)
    return buffer.getvalue()


def redraw(data: bytes, max_pages: int, max_bytes: int, thumbnail_side: int = 0) -> tuple[bytes, bytes]:
    """The new PDF, and a JPEG of its first page at most ``thumbnail_side`` pixels wide and high (empty if 0)."""
    import pydyf

    document = pydyf.PDF()
    weight = 0
    thumbnail = b""
    for width, height, picture in _pages(data, max_pages):
        if thumbnail_side and not thumbnail:
            thumbnail = _thumbnail(picture, thumbnail_side)
        content, extra = _image(picture)
        weight += len(content)
        if weight > max_bytes:  # stop drawing as soon as the pages outweigh what may be kept
            sys.exit(TOO_LARGE)
        image = pydyf.Stream([content], extra=extra)
        document.add_object(image)
        draw = pydyf.Stream([f"q {width:.2f} 0 0 {height:.2f} 0 0 cm /Im0 Do Q".encode()], compress=True)
        document.add_object(draw)
        page = pydyf.Dictionary(
            {
                "Type": "/Page",
                "Parent": document.pages.reference,
                "MediaBox": pydyf.Array([0, 0, round(width, 2), round(height, 2)]),
                "Resources": pydyf.Dictionary({"XObject": pydyf.Dictionary({"Im0": image.reference})}),
                "Contents": draw.reference,
            }
        )
        document.add_object(page)
        document.pages["Kids"].extend([page.number, 0, "R"])
        document.pages["Count"] += 1
    out = io.BytesIO()
    document.write(out)
    return out.getvalue(), thumbnail


def limit(memory: int, cpu_seconds: int, output_bytes: int = 0) -> None:
    """Lower this process's address space and CPU time to at most these (never above the hard limits it was
    started with, which it may not raise), make no core file, and write no file larger than ``output_bytes`` (its
    answer, when it goes to a file: the kernel ends a process that writes past it; 0: no such limit)."""
    import resource

    wanted_limits = [(resource.RLIMIT_AS, memory), (resource.RLIMIT_CPU, cpu_seconds), (resource.RLIMIT_CORE, 0)]
    if output_bytes:
        wanted_limits.append((resource.RLIMIT_FSIZE, output_bytes))
    for which, wanted in wanted_limits:
        _soft, hard = resource.getrlimit(which)
        value = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(which, (value, value))


def prepare() -> None:
    """Import now everything drawing needs (PDFium, Pillow's JPEG writer, pydyf): once the process is sealed
    (``isolate``), no module can be read from disk."""
    import pydyf  # noqa: F401
    import pypdfium2  # noqa: F401
    from PIL import Image, ImageChops, JpegImagePlugin  # noqa: F401

    Image.preinit()


CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
NEW_ROOT = b"/tmp"  # nothing of it is seen: an empty file system is mounted over it, in this process's view alone
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/usr/share/X11/fonts")  # where PDFium looks on Linux
SEALED, NETWORK_ONLY, NOT_ISOLATED = "sealed", "network", "none"


def _seal(libc: object, uid: int, gid: int) -> None:
    """In a user and mount namespace of this process's own: an empty, read-only file system as the root, with only
    the system's fonts in it (read-only), so that no file of the site (its keys, its settings, a database's Unix
    socket) can be opened."""
    import ctypes
    import os

    mount = libc.mount  # type: ignore[attr-defined]

    def check(result: int, what: str) -> None:
        if result != 0:
            code = ctypes.get_errno()
            raise OSError(code, f"{what}: {os.strerror(code)}")

    # ``uid`` and ``gid`` as they were before ``unshare``: inside the new namespace, unmapped, they read as nobody.
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as mapping:
            mapping.write(text)
    check(mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "private mounts")
    hidden = MS_NOSUID | MS_NODEV | MS_NOEXEC
    check(mount(b"tmpfs", NEW_ROOT, b"tmpfs", hidden, b"size=64k,mode=0755"), "empty root")
    for folder in FONT_DIRS:
        if os.path.isdir(folder):
            target = NEW_ROOT + folder.encode()
            os.makedirs(target, exist_ok=True)
            check(mount(folder.encode(), target, None, MS_BIND | MS_REC, None), f"fonts {folder}")
            mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | hidden, None)  # read-only where allowed
    check(mount(None, NEW_ROOT, None, MS_REMOUNT | MS_RDONLY | hidden, None), "read-only root")
    os.chroot(NEW_ROOT)
    os.chdir("/")


def isolate() -> str:
    """Cut this process off from everything but its input and output: a hostile file that took it over could
    reach no address, open no file of the site and run no program. Call ``prepare`` first.

    - Network and files: a user, network and mount namespace of this process's own (``unshare``, which Linux lets
      an unprivileged process do where user namespaces are enabled, as on Debian). The network namespace holds
      nothing but a loopback that is down; the root becomes an empty read-only file system holding only the
      system's fonts (``_seal``): no key, setting, upload or Unix socket (a database's) can be reached. Returns
      ``SEALED``; ``NETWORK_ONLY`` if the namespaces were made but the root could not be changed; ``NOT_ISOLATED``
      where the kernel refuses namespaces (turned off, a container's seccomp profile): the process goes on, and
      says so on its standard error.
    - Processes: ``RLIMIT_NPROC`` 0, so fork, clone and threads fail (not enforced for root, which the web server
      must not run as). Raises ``OSError``/``ValueError`` if the limit cannot be set.

    Must run while the process has a single thread (``unshare`` of a user namespace refuses otherwise), before the
    file is read."""
    import ctypes
    import os
    import resource

    level = NOT_ISOLATED
    uid, gid = os.getuid(), os.getgid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS) == 0:
            level = NETWORK_ONLY
            _seal(libc, uid, gid)
            level = SEALED
    except (OSError, AttributeError):
        pass
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    return level


def frame(document: bytes, thumbnail: bytes) -> bytes:
    """The redrawn PDF and its first page's thumbnail in one answer: the PDF's length (8 bytes, big-endian), the
    PDF, the thumbnail."""
    return len(document).to_bytes(8, "big") + document + thumbnail


def unframe(answer: bytes) -> tuple[bytes, bytes] | None:
    """``frame`` undone: (PDF, thumbnail), or None if the answer is not framed so."""
    if len(answer) < 8:
        return None
    length = int.from_bytes(answer[:8], "big")
    if length > len(answer) - 8:
        return None
    return answer[8 : 8 + length], answer[8 + length :]


def main() -> None:
    """``python -I -m thamdee.deeds.pdfredraw MAX_PAGES MAX_BYTES MEMORY_BYTES CPU_SECONDS [THUMBNAIL_SIDE]``
    < in.pdf > out: the redrawn PDF alone, or with a thumbnail side (pixels), the two framed (``frame``)."""
    max_pages, max_bytes, memory, cpu_seconds = (int(arg) for arg in sys.argv[1:5])
    thumbnail_side = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    try:
        limit(memory, cpu_seconds, max_bytes + MAX_THUMBNAIL_BYTES + FRAME_SLACK)
        prepare()
        level = isolate()
    except (OSError, ValueError):
        sys.exit(NO_LIMITS)
    if level != SEALED:
        sys.stderr.write(f"pdfredraw: isolation {level}\n")
    data = sys.stdin.buffer.read()
    try:
        document, thumbnail = redraw(data, max_pages, max_bytes, thumbnail_side)
    except SystemExit:
        raise
    except Exception:  # anything PDFium or Pillow could not read: the file is refused, never a crash upstream
        sys.exit(UNREADABLE)
    sys.stdout.buffer.write(frame(document, thumbnail) if thumbnail_side else document)


if __name__ == "__main__":
    main()
