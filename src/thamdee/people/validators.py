"""Thai national IDs and mobile numbers."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from thamdee.people.errors import InvalidMobileError, InvalidNationalIdError


def national_id_normalise(raw: str) -> str:
    """Digits only; raises unless it is a valid 13-digit national ID.

    The last digit is a mod-11 check: (11 - sum(d_i * (13 - i)) mod 11) mod 10 over the first twelve digits.
    A leading 0 is a valid category (people without Thai registration status), so it is accepted.
    """
    digits = re.sub(r"[\s-]", "", raw or "")
    if not re.fullmatch(r"\d{13}", digits):
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


MOBILE_PATTERN = re.compile(r"0[689]\d{8}")


def mobile_normalise(raw: str) -> str:
    """A Thai mobile number as 10 digits starting 06, 08 or 09; accepts +66 / 66 and spaces or dashes."""
    value = re.sub(r"[\s\-().]", "", raw or "")
    if value.startswith("+66"):
        value = "0" + value[3:]
    elif value.startswith("66") and len(value) == 11:
        value = "0" + value[2:]
    if not MOBILE_PATTERN.fullmatch(value):
        raise InvalidMobileError()
    return value
