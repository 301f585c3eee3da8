"""Copy the front-end files installed by npm into the package's static folder (served by the site itself).

Nothing is loaded from a CDN at run time: rural users, offline machines and the Content-Security-Policy all
need the files to come from Thamdee's own origin.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "src" / "thamdee" / "static" / "vendor"

FILES = {
    "bootstrap/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "bootstrap/dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
    "bootstrap-icons/font/bootstrap-icons.min.css": "bootstrap-icons/bootstrap-icons.min.css",
    "bootstrap-icons/font/fonts/bootstrap-icons.woff2": "bootstrap-icons/fonts/bootstrap-icons.woff2",
    "bootstrap-icons/font/fonts/bootstrap-icons.woff": "bootstrap-icons/fonts/bootstrap-icons.woff",
    "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
    "echarts/dist/echarts.min.js": "echarts/echarts.min.js",
    "jsqr/dist/jsQR.js": "jsqr/jsQR.js",
}
for subset in ("thai", "latin"):
    for weight in (400, 500, 600, 700):
        name = f"sarabun-{subset}-{weight}-normal.woff2"
        FILES[f"@fontsource/sarabun/files/{name}"] = f"sarabun/{name}"


# Source maps are not shipped: a reference to one would make collectstatic's manifest step fail in production.
SOURCE_MAP = re.compile(rb"\n?(?://# sourceMappingURL=[^\n]*|/\*# sourceMappingURL=[^*]*\*/)\s*$")


def main() -> int:
    missing = [src for src in FILES if not (NODE / src).exists()]
    if missing:
        print("missing front-end files (run npm ci first):", *missing, sep="\n  ", file=sys.stderr)
        return 1
    for src, dest in FILES.items():
        target = VENDOR / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix in (".js", ".css"):
            target.write_bytes(SOURCE_MAP.sub(b"\n", (NODE / src).read_bytes()))
        else:
            shutil.copyfile(NODE / src, target)
    print(f"copied {len(FILES)} front-end files into {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
