"""Argument types for the project's commands: a number out of its range is refused by argparse with a clear
message (``thamdee ...: error: argument --limit: ...``), never a traceback deeper in."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"a whole number is needed, not {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"from {low:,} to {high:,}, not {value:,}")
        return value

    return parse


def float_between(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"a number is needed, not {text!r}") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"from {low:g} to {high:g}, not {text}")
        return value

    return parse
