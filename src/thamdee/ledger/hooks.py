"""What higher parts of the domain attach to when credits are spent with partners or refunded (the reports app
keeps its rollups of spent credits current through this). Called inside the posting's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

SpentHook = Callable[[Sequence[int], Sequence[dt.datetime]], None]
_spent: list[SpentHook] = []


def on_spent(hook: SpentHook) -> None:
    """``hook(member_ids, moments)`` runs after credits were spent with a partner or such a spend was refunded."""
    if hook not in _spent:
        _spent.append(hook)


def spent_changed(member_ids: Sequence[int], moments: Sequence[dt.datetime]) -> None:
    for hook in _spent:
        hook(member_ids, moments)
