"""What other parts of the domain may attach to: called inside the transaction that changes deeds.

Higher apps (recognition for badges, reports for rollups) register here when they start, so the deeds app
depends on none of them. A hook must not fail for reasons of its own business: an exception rolls the whole
change back, which is the point (the rollups and the badges never disagree with the deeds).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

DeedsHook = Callable[[Sequence[Any]], None]

_verified: list[DeedsHook] = []
_changed: list[DeedsHook] = []


def on_verified(hook: DeedsHook) -> None:
    """``hook(deeds)`` runs after deeds become verified (one call per action, with all its deeds)."""
    if hook not in _verified:
        _verified.append(hook)


def on_changed(hook: DeedsHook) -> None:
    """``hook(deeds)`` runs after any change of status that moves credits or counts: verified, reversed,
    reinstated on appeal."""
    if hook not in _changed:
        _changed.append(hook)


def deeds_verified(deeds: Sequence[Any]) -> None:
    if not deeds:
        return
    for hook in _verified:
        hook(deeds)
    for hook in _changed:
        hook(deeds)


def deeds_changed(deeds: Sequence[Any]) -> None:
    if not deeds:
        return
    for hook in _changed:
        hook(deeds)
