"""Explanations of awards, kept once per distinct text (``deeds.Explanation``) and shared by the deeds they explain.

An explanation is named by the digest of its canonical JSON (keys sorted, no spaces, UTF-8), so the same lines
get the same row whichever path wrote them first: a single verification, a bulk verification or an ingest
(which computes the digests in Python too, before its set-based insert). Rows are only ever added.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

from thamdee.deeds.models import Explanation


def canonical(lines: Sequence[dict[str, Any]]) -> str:
    return json.dumps(list(lines), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(lines: Sequence[dict[str, Any]]) -> uuid.UUID:
    """The name of these lines: the first 16 bytes of the SHA-256 of their canonical JSON."""
    return uuid.UUID(bytes=hashlib.sha256(canonical(lines).encode()).digest()[:16])


def explanation_for(lines: Sequence[dict[str, Any]]) -> Explanation | None:
    """The row for these lines, added if it is new; ``None`` for no lines."""
    return explanations_for([lines])[0]


def explanations_for(many: Sequence[Sequence[dict[str, Any]]]) -> list[Explanation | None]:
    """The rows for many awards' lines at once (``None`` for no lines): one read, and for new lines one insert
    that leaves alone a row another transaction has just added, then one read of the new rows."""
    keys = [digest(lines) if lines else None for lines in many]
    wanted = {k: lines for k, lines in zip(keys, many, strict=True) if k is not None}
    if not wanted:
        return [None] * len(keys)
    rows = {e.digest: e for e in Explanation.objects.filter(digest__in=list(wanted))}
    missing = [Explanation(digest=k, lines=list(lines)) for k, lines in wanted.items() if k not in rows]
    if missing:
        Explanation.objects.bulk_create(missing, ignore_conflicts=True)
        rows.update({e.digest: e for e in Explanation.objects.filter(digest__in=[e.digest for e in missing])})
    return [rows[k] if k is not None else None for k in keys]
