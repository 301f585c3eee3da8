"""Voucher codes and the signed QR payload (pure functions: no database).

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as ``ABCD-EFGH`` and typed
back in any case, with or without the dash. The QR carries a link to the partner's scan page with a token that
Django signs (so a code cannot be forged into a QR) and that names the voucher's expiry; the database still
decides: a voucher is confirmed once, and never after it expired.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
SALT = "thamdee.rewards.voucher"
_CODE_RE = re.compile(rf"^[{ALPHABET}]{{{CODE_LENGTH}}}$")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str | None:
    """What someone typed, as a stored code; None if it cannot be one."""
    cleaned = re.sub(r"[\s\-]", "", (text or "").upper())
    return cleaned if _CODE_RE.match(cleaned) else None


def token_for(code: str, expires_at: dt.datetime) -> str:
    return signing.dumps({"c": code, "x": int(expires_at.timestamp())}, salt=SALT, compress=True)


def read_token(token: str) -> tuple[str, dt.datetime] | None:
    """The code and expiry a genuine token names; None for anything forged or garbled."""
    try:
        data: Any = signing.loads(token, salt=SALT)
        code = normalise_code(str(data["c"]))
        expires = dt.datetime.fromtimestamp(int(data["x"]), tz=dt.UTC)
    except (signing.BadSignature, KeyError, TypeError, ValueError, OverflowError):
        return None
    return (code, expires) if code else None


def scan_url(token: str) -> str:
    """What the QR says: the partner's scan page with the token, so a phone's own camera app works too."""
    return f"{settings.SITE_URL}{reverse('rewards:scan')}?t={token}"


def code_from_input(text: str) -> tuple[str, dt.datetime | None] | None:
    """A typed code, a token, or a scanned link holding a token."""
    text = (text or "").strip()
    if "t=" in text:
        text = text.split("t=", 1)[1].split("&", 1)[0]
    code = normalise_code(text)
    if code:
        return code, None
    return read_token(text)


def qr_data_uri(payload: str) -> str:
    """An SVG QR code as a data: URI for an <img> (the Content-Security-Policy forbids inline SVG styles)."""
    import io

    import segno

    out = io.BytesIO()
    # An SVG used as an image needs its namespace (svg_inline() leaves it out).
    segno.make(payload, error="m").save(
        out,
        kind="svg",
        scale=6,
        border=2,
        dark="#111",
        light="#fff",
        xmldecl=False,
        svgns=True,
        svgclass=None,
        lineclass=None,
    )
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()
