"""Thai national IDs and mobile numbers."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from thamdee.people.errors import InvalidMobileError, InvalidNationalIdError


def ascii_digits(raw: str) -> str:
    """Every decimal digit as its ASCII one: Thai digits (๐-๙), full-width and any other script's, as a Thai
    keyboard or a phone may type them. Everything else is left as it is, for the caller's check."""
    return "".join(str(unicodedata.decimal(c)) if not c.isascii() and c.isdecimal() else c for c in raw)


def national_id_normalise(raw: str) -> str:
    """ASCII digits only; raises unless it is a valid 13-digit national ID.

    Thai digits are read as the same digits (``ascii_digits``), so the same ID typed either way has one
    fingerprint. The last digit is a mod-11 check: (11 - sum(d_i * (13 - i)) mod 11) mod 10 over the first twelve
    digits. A leading 0 is a valid category (people without Thai registration status), so it is accepted.
    """
    digits = re.sub(r"[\s-]", "", ascii_digits(raw or ""))
    if not re.fullmatch(r"[0-9]{13}", digits):
        raise InvalidNationalIdError()
    total = sum(int(digits[i]) * (13 - i) for i in range(12))
    check = (11 - total % 11) % 10
    if check != int(digits[12]):
        raise InvalidNationalIdError()
    return digits


def national_id_hmac(raw: str) -> str:
    """The keyed hash that is the only form in which a national ID is ever stored."""
    digits = national_id_normalise(raw)
    if not settings.NATIONAL_ID_HMAC_KEY:
        # Production without a key never starts its web process (wsgi.py); nothing else hashes under no key either.
        raise ImproperlyConfigured("NATIONAL_ID_HMAC_KEY is not set: no national ID is hashed without it.")
    key = settings.NATIONAL_ID_HMAC_KEY.encode()
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()


MOBILE_PATTERN = re.compile(r"0[689][0-9]{8}")  # as the database's check (people_user_mobile_format)


def mobile_normalise(raw: str) -> str:
    """A Thai mobile number as 10 ASCII digits starting 06, 08 or 09; accepts +66 / 66, spaces or dashes, and Thai
    digits (``ascii_digits``)."""
    value = re.sub(r"[\s\-().]", "", ascii_digits(raw or ""))
    if value.startswith("+66"):
        value = "0" + value[3:]
    elif value.startswith("66") and len(value) == 11:
        value = "0" + value[2:]
    if not MOBILE_PATTERN.fullmatch(value):
        raise InvalidMobileError()
    return value
