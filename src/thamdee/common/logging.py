"""Keep national ID numbers out of the logs."""

from __future__ import annotations

import logging
import re

# Thirteen digits, optionally grouped as 1-2345-67890-12-3.
NATIONAL_ID_PATTERN = re.compile(r"(?<!\d)\d[- ]?\d{4}[- ]?\d{5}[- ]?\d{2}[- ]?\d(?!\d)")


def redact(text: str) -> str:
    return NATIONAL_ID_PATTERN.sub("[redacted-id]", text)


class RedactNationalIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
