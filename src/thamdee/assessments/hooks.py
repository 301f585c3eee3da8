"""What other parts of the domain may attach to: called inside the transaction that confirms a result.

Higher apps register here when they start (recognition signs a confirmed result as an Open Badges 3.0 credential),
so the assessments app depends on none of them. A hook runs inside the confirmation's transaction: if it fails,
the confirmation is rolled back with it, which is the point (a result is never confirmed without its credential
when one is due, as a badge is never recorded without its deed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ConfirmedHook = Callable[[Any], None]

_confirmed: list[ConfirmedHook] = []


def on_confirmed(hook: ConfirmedHook) -> None:
    """``hook(assessment)`` runs after a result is confirmed at one of the three levels (never on a return, never
    for a result confirmed at no level), with the assessment as confirmed."""
    if hook not in _confirmed:
        _confirmed.append(hook)


def assessment_confirmed(assessment: Any) -> None:
    if not assessment.has_certificate:
        return
    for hook in _confirmed:
        hook(assessment)
