"""What other parts of the domain may attach to: called inside the transaction that changes deeds.

Higher apps (recognition for badges, reports for rollups) register here when they start, so the deeds app
depends on none of them. A hook must not fail for reasons of its own business: an exception rolls the whole
change back, which is the point (the rollups and the badges never disagree with the deeds).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

DeedsHook = Callable[[Sequence[Any]], None]


@dataclass(frozen=True)
class Ingested:
    """Deeds a bulk ingest has just inserted as verified, described set-based: ``table`` is a temporary table,
    alive until the transaction ends, with one row per new deed and the columns ``deed_id``, ``area_id``,
    ``organisation_id``, ``member_id``, ``deed_type_id``, ``fiscal_year``, ``month``, ``hours`` and
    ``credits``."""

    table: str
    count: int


IngestedHook = Callable[[Ingested], None]

_verified: list[DeedsHook] = []
_changed: list[DeedsHook] = []
_ingested: list[IngestedHook] = []


def on_verified(hook: DeedsHook) -> None:
    """``hook(deeds)`` runs after deeds become verified (one call per action, with all its deeds)."""
    if hook not in _verified:
        _verified.append(hook)


def on_changed(hook: DeedsHook) -> None:
    """``hook(deeds)`` runs after any change of status that moves credits or counts: verified, reversed,
    reinstated on appeal."""
    if hook not in _changed:
        _changed.append(hook)


def on_ingested(hook: IngestedHook) -> None:
    """``hook(ingested)`` runs after a bulk ingest inserted verified deeds (one call per ingest), so that a
    higher app can bring its own tables up to date with set-based SQL instead of deed objects."""
    if hook not in _ingested:
        _ingested.append(hook)


@contextlib.contextmanager
def paused(*hooks: Callable[..., None]) -> Iterator[None]:
    """Within the block, the hooks given do not run (wherever they are registered); on leaving, they are back in
    their places. For measuring what a hook costs (the benchmarks), never for skipping one in production."""
    removed: list[tuple[list[Any], int, Callable[..., None]]] = []
    for registry in (_verified, _changed, _ingested):
        for hook in hooks:
            if hook in registry:
                index = registry.index(hook)
                registry.pop(index)
                removed.append((registry, index, hook))
    try:
        yield
    finally:
        for registry, index, hook in reversed(removed):
            registry.insert(index, hook)


def deeds_ingested(ingested: Ingested) -> None:
    if not ingested.count:
        return
    for hook in _ingested:
        hook(ingested)


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
