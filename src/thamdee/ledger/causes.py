"""What caused a journal, told in plain words.

The ledger stores a cause as (kind, id) so that it depends on no higher part of the domain. Higher parts
(deeds, rewards) register a describer for their kind when their app starts; the passbook asks the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass
class CauseInfo:
    title: str
    url: str = ""
    explanation: list[str] = field(default_factory=list)  # "why these credits?", line by line
    hours: float | None = None
    # Where the cause belongs, for a passbook read by someone other than its owner (an organiser): the
    # organisation it was recorded with, and whether it is of a sensitive kind.
    organisation_id: int | None = None
    sensitive: bool = False
    # The link and the explanation are the owner's alone (a voucher's: its code works at the partner's counter as
    # its QR does): anyone else reads the title only.
    owner_only: bool = False


Describer = Callable[[Iterable[int]], dict[int, CauseInfo]]
_registry: dict[int, Describer] = {}


def register(cause_kind: int, describer: Describer) -> None:
    _registry[cause_kind] = describer


def describe(pairs: Iterable[tuple[int | None, int | None]]) -> dict[tuple[int, int], CauseInfo]:
    """Describe many causes at once: one call per cause kind."""
    wanted: dict[int, set[int]] = {}
    for kind, ident in pairs:
        if kind and ident is not None:
            wanted.setdefault(kind, set()).add(ident)
    out: dict[tuple[int, int], CauseInfo] = {}
    for kind, ids in wanted.items():
        describer = _registry.get(kind)
        if describer is None:
            continue
        for ident, info in describer(ids).items():
            out[(kind, ident)] = info
    return out


def describe_journal(journal: object) -> CauseInfo | None:
    """The cause of one journal, if it has one."""
    kind, ident = getattr(journal, "cause_kind", None), getattr(journal, "cause_id", None)
    if not kind or ident is None:
        return None
    return describe([(kind, ident)]).get((kind, ident))
