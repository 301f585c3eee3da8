"""The one function that writes journals and postings, for PostgreSQL and for SQLite.

Everything that moves credits calls ``post`` or ``post_batch`` through ``thamdee.ledger.services``. On
PostgreSQL each call is one round trip to a PL/pgSQL function (sql/postgresql_ledger.sql). On SQLite the same
steps run here in Python inside one transaction that holds SQLite's write lock from its start.

Both paths guarantee: postings sum to zero; a balance never goes below zero (a conditional update, in
ascending account order, so no deadlock); an idempotency key is used once (a replay returns the first
journal; different content is an error); all or nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from thamdee.common.db import nextval_sql, prepared
from thamdee.ledger.errors import (
    IdempotencyConflictError,
    InsufficientCreditsError,
    InvalidAmountError,
    UnbalancedJournalError,
)
from thamdee.ledger.models import Account, Journal, Posting

KEY_NAMESPACE = uuid.UUID("5d1c3a52-6c79-4b0e-9e55-7468616d6465")  # "thamde" in the tail


def key_uuid(key: str | uuid.UUID) -> uuid.UUID:
    """The stored form of an idempotency key: the caller's string hashed to a UUID (v5)."""
    if isinstance(key, uuid.UUID):
        return key
    return uuid.uuid5(KEY_NAMESPACE, key)


@dataclass(frozen=True)
class Leg:
    account_id: int
    amount: int
    earned: int = 0  # what this leg adds to the account's lifetime earned credits


@dataclass
class Request:
    kind: int
    key: uuid.UUID
    legs: list[Leg]
    actor_id: int | None = None
    memo: str | None = None
    cause_kind: int | None = None
    cause_id: int | None = None
    reversal_of_id: int | None = None
    at: dt.datetime | None = None  # a backdated journal (imports, demo); None: now


class Result:
    """What a posting returns. The Journal instance is built on first use: the hot path never needs it."""

    __slots__ = ("_journal", "_req", "created_at", "journal_id", "legs", "replayed")

    def __init__(
        self,
        *,
        journal_id: int,
        replayed: bool,
        req: Request | None = None,
        created_at: dt.datetime | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.journal_id = journal_id
        self.replayed = replayed
        self.created_at = created_at
        self.legs = req.legs if req is not None else []
        self._req = req
        self._journal = journal

    @property
    def journal(self) -> Journal:
        if self._journal is None:
            if self.replayed or self._req is None:
                self._journal = Journal.objects.get(pk=self.journal_id)
            else:
                self._journal = _journal_instance(self._req, self.journal_id, self.created_at or timezone.now())
        return self._journal


def normalise(kind: int, key: str | uuid.UUID, legs: Sequence[Leg], **extra: object) -> Request:
    """Check the legs and put them in ascending account order (the locking order)."""
    if len(legs) == 2:  # the common case, without the general merge
        a, b = legs
        if (
            type(a.amount) is int
            and type(b.amount) is int
            and a.amount + b.amount == 0
            and a.amount != 0
            and a.account_id != b.account_id
            and abs(a.amount) <= 2_000_000_000
        ):
            ordered = [a, b] if a.account_id < b.account_id else [b, a]
            return Request(kind=kind, key=key_uuid(key), legs=ordered, **extra)  # type: ignore[arg-type]
    merged: dict[int, list[int]] = {}
    for leg in legs:
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool):
            raise InvalidAmountError()
        slot = merged.setdefault(int(leg.account_id), [0, 0])
        slot[0] += leg.amount
        slot[1] += leg.earned
    clean = [Leg(a, m, e) for a, (m, e) in sorted(merged.items()) if m != 0]
    if len(clean) < 2 or sum(leg.amount for leg in clean) != 0:
        raise UnbalancedJournalError()
    if any(abs(leg.amount) > 2_000_000_000 for leg in clean):
        raise InvalidAmountError()
    return Request(kind=kind, key=key_uuid(key), legs=clean, **extra)  # type: ignore[arg-type]


def _translate(exc: Exception) -> Exception:
    """The database's refusals as domain errors; other psycopg errors as Django's own exception classes."""
    import psycopg

    code = getattr(exc, "sqlstate", None)
    if code == "TD001":
        return InsufficientCreditsError()
    if code == "TD002":
        return IdempotencyConflictError()
    if code == "TD003":
        return UnbalancedJournalError()
    if isinstance(exc, psycopg.IntegrityError):
        return IntegrityError(*exc.args)
    if isinstance(exc, psycopg.Error):
        return DatabaseError(*exc.args)
    return exc


def _journal_instance(req: Request, journal_id: int, created_at: dt.datetime) -> Journal:
    return Journal(
        id=journal_id,
        kind=req.kind,
        idempotency_key=req.key,
        created_at=created_at,
        actor_id=req.actor_id,
        memo=req.memo,
        cause_kind=req.cause_kind,
        cause_id=req.cause_id,
        reversal_of_id=req.reversal_of_id,
    )


# --- PostgreSQL ---------------------------------------------------------------------------------------------


def _statement_scope() -> Any:
    """Outside a transaction the posting statement is atomic on its own (one round trip). Inside the caller's
    transaction it runs under a savepoint, so a refusal (say, insufficient credits) leaves that transaction
    usable and the caller free to catch the error."""
    if connection.in_atomic_block:
        return transaction.atomic()
    return contextlib.nullcontext()


POST_SQL = (
    "SELECT journal_id, created_at, replayed FROM thamdee_ledger_post(%s::smallint, %s::uuid, %s::bigint, "
    "%s::text, %s::smallint, %s::bigint, %s::bigint, %s::bigint[], %s::integer[], %s::integer[], "
    "%s::timestamptz)"
)
POST2_SQL = (
    "SELECT journal_id, created_at, replayed FROM thamdee_ledger_post2(%s::smallint, %s::uuid, %s::bigint, "
    "%s::text, %s::smallint, %s::bigint, %s::bigint, %s::bigint, %s::integer, %s::integer, %s::bigint, "
    "%s::integer, %s::integer, %s::timestamptz)"
)


def _execute(sql: str, params: list[Any], *, many: bool = False) -> Any:
    """Run the posting statement on the connection's own psycopg cursor with server-side binding and a
    prepared statement: Django's client-side cursor formats the query in Python, which costs more than the
    database's work for a transfer. Same connection, same transaction; errors become Django's."""
    import psycopg

    try:
        with _statement_scope(), prepared(sql, params) as cursor:
            return cursor.fetchall() if many else cursor.fetchone()
    except psycopg.Error as exc:
        raise _translate(exc) from exc


def _post_pg(req: Request) -> Result:
    head = [req.kind, req.key, req.actor_id, req.memo, req.cause_kind, req.cause_id, req.reversal_of_id]
    if len(req.legs) == 2:
        a, b = req.legs
        sql, params = POST2_SQL, [*head, a.account_id, a.amount, a.earned, b.account_id, b.amount, b.earned, req.at]
    else:
        sql, params = (
            POST_SQL,
            [
                *head,
                [leg.account_id for leg in req.legs],
                [leg.amount for leg in req.legs],
                [leg.earned for leg in req.legs],
                req.at,
            ],
        )
    journal_id, created_at, replayed = _execute(sql, params)
    return Result(journal_id=journal_id, created_at=created_at, replayed=replayed, req=req)


def _array(values: Sequence[object], *, text: bool = False) -> str:
    """A PostgreSQL array literal. Building it with str.join is far cheaper than adapting a long list element by
    element, which dominated the client's time for a batch."""
    if not text:
        return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"
    parts = []
    for v in values:
        if v is None:
            parts.append("NULL")
        else:
            parts.append('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(parts) + "}"


def _post_batch_pg(reqs: list[Request], actor_id: int | None) -> list[Result]:
    leg_journal: list[int] = []
    leg_accounts: list[int] = []
    leg_amounts: list[int] = []
    leg_earned: list[int] = []
    for index, req in enumerate(reqs, start=1):
        for leg in req.legs:
            leg_journal.append(index)
            leg_accounts.append(leg.account_id)
            leg_amounts.append(leg.amount)
            leg_earned.append(leg.earned)
    sql = (
        "SELECT idx, journal_id, replayed FROM thamdee_ledger_post_batch(%s::smallint[], %s::uuid[], "
        "%s::bigint, %s::text[], %s::smallint[], %s::bigint[], %s::integer[], %s::bigint[], %s::integer[], "
        "%s::integer[], %s::timestamptz[])"
    )
    params = [
        _array([r.kind for r in reqs]),
        _array([r.key for r in reqs]),
        actor_id,
        _array([r.memo for r in reqs], text=True),
        _array([r.cause_kind for r in reqs]),
        _array([r.cause_id for r in reqs]),
        _array(leg_journal),
        _array(leg_accounts),
        _array(leg_amounts),
        _array(leg_earned),
        _array([r.at.isoformat() if r.at else None for r in reqs], text=True),
    ]
    rows = _execute(sql, params, many=True)
    now = timezone.now()
    return [
        Result(journal_id=jid, replayed=replayed, req=reqs[idx - 1], created_at=reqs[idx - 1].at or now)
        for idx, jid, replayed in rows
    ]


# --- SQLite -------------------------------------------------------------------------------------------------


def _same_content(existing: Journal, req: Request) -> bool:
    stored = sorted(Posting.objects.filter(journal_id=existing.pk).values_list("account_id", "amount"))
    return (
        existing.kind == req.kind
        and existing.cause_kind == req.cause_kind
        and existing.cause_id == req.cause_id
        and existing.reversal_of_id == req.reversal_of_id
        and stored == [(leg.account_id, leg.amount) for leg in req.legs]
    )


def _apply_balances(legs: Sequence[Leg]) -> None:
    for leg in legs:  # already in ascending account order
        moved = Account.objects.filter(pk=leg.account_id, balance__gte=-leg.amount).update(
            balance=F("balance") + leg.amount, earned_total=F("earned_total") + leg.earned
        )
        if not moved and not Account.objects.filter(pk=leg.account_id, balance__isnull=True).exists():
            raise InsufficientCreditsError()


def _post_sqlite(req: Request) -> Result:
    existing = Journal.objects.filter(idempotency_key=req.key).first()
    if existing is not None:
        if not _same_content(existing, req):
            raise IdempotencyConflictError()
        return Result(journal_id=existing.pk, replayed=True, req=req, journal=existing)
    with transaction.atomic():
        journal = _journal_instance(req, None, req.at or timezone.now())  # type: ignore[arg-type]
        try:
            with transaction.atomic():
                journal.save(force_insert=True)
        except IntegrityError:
            existing = Journal.objects.filter(idempotency_key=req.key).first()
            if existing is None:
                raise
            if not _same_content(existing, req):
                raise IdempotencyConflictError() from None
            return Result(journal_id=existing.pk, replayed=True, req=req, journal=existing)
        _apply_balances(req.legs)
        Posting.objects.bulk_create(
            [Posting(journal_id=journal.pk, account_id=leg.account_id, amount=leg.amount) for leg in req.legs]
        )
    return Result(journal_id=journal.pk, replayed=False, req=req, journal=journal)


def _post_batch_sqlite(reqs: list[Request], actor_id: int | None) -> list[Result]:
    results: list[Result] = []
    with transaction.atomic():
        existing = {j.idempotency_key: j for j in Journal.objects.filter(idempotency_key__in=[r.key for r in reqs])}
        fresh: list[Request] = []
        for req in reqs:
            old = existing.get(req.key)
            if old is not None and not _same_content(old, req):
                raise IdempotencyConflictError()
            if old is None:
                fresh.append(req)
        now = timezone.now()
        journals = Journal.objects.bulk_create(
            [
                Journal(
                    kind=r.kind,
                    idempotency_key=r.key,
                    created_at=r.at or now,
                    actor_id=actor_id,
                    memo=r.memo,
                    cause_kind=r.cause_kind,
                    cause_id=r.cause_id,
                )
                for r in fresh
            ]
        )
        net: dict[int, list[int]] = {}
        for req in fresh:
            for leg in req.legs:
                slot = net.setdefault(leg.account_id, [0, 0])
                slot[0] += leg.amount
                slot[1] += leg.earned
        _apply_balances([Leg(a, m, e) for a, (m, e) in sorted(net.items()) if m or e])
        Posting.objects.bulk_create(
            [
                Posting(journal_id=j.pk, account_id=leg.account_id, amount=leg.amount)
                for j, req in zip(journals, fresh, strict=True)
                for leg in req.legs
            ],
            batch_size=2000,
        )
        by_key = {j.idempotency_key: j for j in journals}
        for req in reqs:
            if req.key in by_key:
                j = by_key[req.key]
                results.append(Result(journal_id=j.pk, replayed=False, req=req, journal=j))
            else:
                j = existing[req.key]
                results.append(Result(journal_id=j.pk, replayed=True, req=req, journal=j))
    return results


# --- staged (PostgreSQL, bulk imports) -------------------------------------------------------------------------

STAGE_TABLES = """
DROP TABLE IF EXISTS ledger_stage_leg;
DROP TABLE IF EXISTS ledger_stage_journal;
CREATE TEMP TABLE ledger_stage_journal (
  id bigint NOT NULL, kind smallint NOT NULL, key uuid NOT NULL, created_at timestamptz NOT NULL,
  actor_id bigint, memo text, cause_kind smallint, cause_id bigint, replayed boolean NOT NULL DEFAULT false
) ON COMMIT DROP;
CREATE TEMP TABLE ledger_stage_leg (
  journal_id bigint NOT NULL, account_id bigint NOT NULL, amount integer NOT NULL, earned integer NOT NULL DEFAULT 0
) ON COMMIT DROP;
"""
# What a caller uses to turn its key text into the stored key (journal ids: ``journal_id_sql``).
KEY_SQL = "thamdee_ledger_key({})"


def journal_id_sql() -> str:
    """The expression a caller uses to draw journal ids for its staged rows."""
    return nextval_sql("ledger_journal")


def stage_create() -> None:
    """Create (empty) the session's staging tables for ``post_staged``; they go at the end of the transaction."""
    with connection.cursor() as cursor:
        cursor.execute(STAGE_TABLES)


def post_staged() -> tuple[int, int]:
    """Post every journal staged in ``ledger_stage_journal``/``ledger_stage_leg`` in one set-based call (see
    thamdee_ledger_post_staged in migration 0003). Returns (journals posted, keys replayed)."""
    if connection.vendor != "postgresql":
        raise NotImplementedError("staged posting is PostgreSQL-only; use post_batch")
    import psycopg

    try:
        with _statement_scope(), connection.cursor() as cursor:
            cursor.execute("SELECT posted, replayed FROM thamdee_ledger_post_staged()")
            posted, replayed = cursor.fetchone()
    except (psycopg.Error, DatabaseError) as exc:
        cause = exc.__cause__ if isinstance(exc.__cause__, psycopg.Error) else exc
        translated = _translate(cause)
        if translated is cause:
            raise
        raise translated from exc
    return int(posted), int(replayed)


# --- entry points ---------------------------------------------------------------------------------------------


def post(req: Request) -> Result:
    if connection.vendor == "postgresql":
        return _post_pg(req)
    return _post_sqlite(req)


def post_batch(reqs: list[Request], actor_id: int | None = None) -> list[Result]:
    if not reqs:
        return []
    keys = [r.key for r in reqs]
    if len(set(keys)) != len(keys):
        raise IdempotencyConflictError()
    if connection.vendor == "postgresql":
        return _post_batch_pg(reqs, actor_id)
    return _post_batch_sqlite(reqs, actor_id)
