"""Reconciliation: the books must prove themselves from the raw postings.

Checks: every journal balances and has at least two legs; all postings together sum to zero; every cached
balance equals the sum of its account's postings; no balance is negative; every member's lifetime earned
credits equal their awards less reversed awards (and less the later take-backs of awards: reversals that name no
original); no journal is reversed twice and no reversal takes back more than its original; a partner's settled
credits move only by settlements and their reversals, and a settlement moves a partner's clearing credits to its
own settled account.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

from django.db import connection, transaction


@dataclass
class Check:
    name: str
    violations: int
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.violations == 0


@dataclass
class Report:
    checks: list[Check]
    seconds: float
    journals: int
    postings: int
    accounts: int

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


def _run(cursor, name: str, count_sql: str, example_sql: str | None = None) -> Check:  # type: ignore[no-untyped-def]
    cursor.execute(count_sql)
    (count,) = cursor.fetchone()
    examples: list[str] = []
    if count and example_sql:
        cursor.execute(example_sql + " LIMIT 5")
        examples = [" ".join(str(v) for v in row) for row in cursor.fetchall()]
    return Check(name=name, violations=int(count or 0), examples=examples)


# One pass over the postings by journal answers four questions: journals that do not balance (or have one leg), the
# sum of all postings, how many postings there are, and (by counting groups against journals) whether any journal
# has no postings.
BY_JOURNAL = """
SELECT count(*) AS journals_with_postings,
       count(*) FILTER (WHERE s <> 0 OR n < 2) AS unbalanced,
       coalesce(sum(s), 0) AS total,
       coalesce(sum(n), 0) AS postings
  FROM (SELECT journal_id, sum(amount) AS s, count(*) AS n FROM ledger_posting GROUP BY journal_id) x
"""

UNBALANCED = """
SELECT journal_id, sum(amount), count(*) FROM ledger_posting GROUP BY journal_id
HAVING sum(amount) <> 0 OR count(*) < 2
"""

# {fence}: on PostgreSQL "OFFSET 0" makes the sums per account one aggregate, joined once; without it the planner
# may run the whole aggregate again in each parallel worker (measured: 8.6 s against 6.6 s for 7M postings).
BALANCES = """
SELECT a.id, a.balance, coalesce(s.total, 0) FROM ledger_account a
LEFT JOIN (SELECT account_id, sum(amount) AS total FROM ledger_posting GROUP BY account_id{fence}) s
       ON s.account_id = a.id
WHERE a.balance IS NOT NULL AND a.balance <> coalesce(s.total, 0)
"""

# Only awards, reversals of awards and reversals that name no original (a deed's take-back collected later from a
# voucher's refund) count toward lifetime earned credits. Those journals are joined to the postings as one relation
# (a UNION ALL, whose size the planner estimates well), so the join is hashed: as
# "journal_id IN (SELECT ... UNION ALL ...)" the planner guessed 200 journals and looked up the postings of each
# of the 10 million awards of the national data set by index, once per parallel worker (174 s; 17.8 s joined).
# A join of every posting to its journal was worse still (millions of index look-ups: 11 s for 7M postings).
EARNED = """
SELECT a.id, a.earned_total, coalesce(s.total, 0) FROM ledger_account a
LEFT JOIN (
  SELECT p.account_id, sum(p.amount) AS total
    FROM ledger_posting p
    JOIN (SELECT j.id FROM ledger_journal j WHERE j.kind = 1 OR (j.kind = 4 AND j.reversal_of_id IS NULL)
          UNION ALL
          SELECT r.id FROM ledger_journal r JOIN ledger_journal o ON o.id = r.reversal_of_id
           WHERE r.reversal_of_id IS NOT NULL AND r.kind = 4 AND o.kind = 1) e ON e.id = p.journal_id
   GROUP BY p.account_id
) s ON s.account_id = a.id
WHERE a.kind = 1 AND a.earned_total <> coalesce(s.total, 0)
"""
OVER_REVERSED = """
SELECT r.id, r.reversal_of_id FROM ledger_journal r
WHERE r.reversal_of_id IS NOT NULL
  AND (SELECT sum(abs(amount)) FROM ledger_posting WHERE journal_id = r.id)
      > (SELECT sum(abs(amount)) FROM ledger_posting WHERE journal_id = r.reversal_of_id)
"""

# A partner's settled account (kind 6) takes credits only from a settlement (journal kind 9) and gives them back
# only by the reversal of one. Settled accounts are few, so this reads their postings by the account index.
SETTLED_ELSEWHERE = """
SELECT p.journal_id, p.account_id, j.kind FROM ledger_posting p
  JOIN ledger_account a ON a.id = p.account_id AND a.kind = 6
  JOIN ledger_journal j ON j.id = p.journal_id
 WHERE NOT (j.kind = 9 OR (j.kind = 4 AND EXISTS (SELECT 1 FROM ledger_journal o
                                                  WHERE o.id = j.reversal_of_id AND o.kind = 9)))
"""

# And a settlement moves credits from a partner's clearing account (kind 3) to the settled account of the same
# partner, in two legs, nothing else; read from the settled accounts' side, as above.
SETTLEMENT_MISMATCHED = """
SELECT j.id FROM ledger_posting p
  JOIN ledger_account a ON a.id = p.account_id AND a.kind = 6
  JOIN ledger_journal j ON j.id = p.journal_id AND j.kind = 9
 WHERE p.amount <= 0
    OR (SELECT count(*) FROM ledger_posting q WHERE q.journal_id = j.id) <> 2
    OR NOT EXISTS (SELECT 1 FROM ledger_posting q JOIN ledger_account c ON c.id = q.account_id
                    WHERE q.journal_id = j.id AND c.kind = 3 AND c.organisation_id = a.organisation_id
                      AND q.amount = -p.amount)
"""


def ledger_check() -> Report:
    """Every check, on one snapshot of the books: postings committed while it runs are in none of its answers.

    On PostgreSQL, run outside a transaction (the command, the benchmark), the check reads the books at
    REPEATABLE READ and hands its snapshot to a second connection, which sums the postings by account while this
    one sums them by journal: the two passes over every posting are most of the time, and they run at once.
    Inside a transaction of the caller's (tests, or code that wants the check to see its own writes) everything
    runs here, on the caller's transaction."""
    started = time.perf_counter()
    postgres = connection.vendor == "postgresql"
    balances = BALANCES.format(fence=" OFFSET 0" if postgres else "")
    balances_check = ("cached balances equal the sum of postings", f"SELECT count(*) FROM ({balances}) x", balances)
    side = postgres and not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if side:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        if postgres:
            # The aggregations hash millions of groups: give them memory instead of spilling to disk.
            cursor.execute("SET LOCAL work_mem = '512MB'")
        balance_result: list[Check | BaseException] = []
        other = None
        if side:
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            other = threading.Thread(target=_on_snapshot, args=(snapshot, balances_check, balance_result))
            other.start()
        try:
            journals, postings, accounts, checks = _checks(cursor, postgres, None if side else balances_check)
        finally:
            if other is not None:
                other.join()  # the snapshot must stay exported until the other side has imported it
        if side:
            (result,) = balance_result
            if isinstance(result, BaseException):
                raise result
            checks.insert(2, result)
    return Report(
        checks=checks,
        seconds=time.perf_counter() - started,
        journals=int(journals),
        postings=int(postings),  # a sum of counts: numeric on PostgreSQL
        accounts=int(accounts),
    )


_SNAPSHOT_ID = re.compile(r"^[0-9A-F]+-[0-9A-F]+-[0-9]+$")


def _on_snapshot(snapshot: str, check: tuple[str, str, str], out: list[Check | BaseException]) -> None:
    """One check in a connection of its own (this thread's), reading the snapshot the main check exported."""
    try:
        if not _SNAPSHOT_ID.match(snapshot):
            raise ValueError(f"unexpected snapshot id {snapshot!r}")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            cursor.execute("SET LOCAL work_mem = '512MB'")
            out.append(_run(cursor, *check))
    except BaseException as exc:  # handed to the main thread, which raises it
        out.append(exc)
    finally:
        connection.close()


def _checks(cursor, postgres: bool, balances_check: tuple[str, str, str] | None):  # type: ignore[no-untyped-def]
    cursor.execute("SELECT (SELECT count(*) FROM ledger_journal), (SELECT count(*) FROM ledger_account)")
    journals, accounts = cursor.fetchone()
    if postgres:
        # Postings are keyed (journal, account), so grouping them by journal along that index needs no hash
        # table of every journal (measured: 3.8 s against 5.7 s for 3M journals and 7M postings).
        cursor.execute("SET LOCAL enable_hashagg = off")
    cursor.execute(BY_JOURNAL)
    with_postings, unbalanced, total, postings = cursor.fetchone()
    if postgres:
        cursor.execute("SET LOCAL enable_hashagg = on")
    examples: list[str] = []
    if unbalanced:
        cursor.execute(UNBALANCED + " LIMIT 5")
        examples = [" ".join(str(v) for v in row) for row in cursor.fetchall()]
    checks = [
        Check(
            "every journal balances (sum 0, two legs or more)",
            int(unbalanced or 0) + int(journals - with_postings),
            examples,
        ),
        Check("all postings sum to zero", 0 if int(total or 0) == 0 else 1, [f"sum {total}"] if total else []),
    ]
    if balances_check is not None:
        checks.append(_run(cursor, *balances_check))
    checks += [
        _run(
            cursor,
            "no balance below zero",
            "SELECT count(*) FROM ledger_account WHERE balance < 0 OR earned_total < 0",
            "SELECT id, balance, earned_total FROM ledger_account WHERE balance < 0 OR earned_total < 0",
        ),
        _run(
            cursor,
            "lifetime earned credits equal awards less reversed awards",
            f"SELECT count(*) FROM ({EARNED}) x",
            EARNED,
        ),
        _run(
            cursor,
            "no journal reversed twice",
            "SELECT count(*) FROM (SELECT reversal_of_id FROM ledger_journal WHERE reversal_of_id IS NOT NULL "
            "GROUP BY reversal_of_id HAVING count(*) > 1) x",
        ),
        _run(
            cursor,
            "no reversal larger than its original",
            f"SELECT count(*) FROM ({OVER_REVERSED}) x",
            OVER_REVERSED,
        ),
        _run(
            cursor,
            "no reversal is itself reversed",
            "SELECT count(*) FROM ledger_journal r JOIN ledger_journal o ON o.id = r.reversal_of_id "
            "WHERE o.reversal_of_id IS NOT NULL",
        ),
        _run(
            cursor,
            "settled credits move only by settlements and their reversals",
            f"SELECT count(*) FROM ({SETTLED_ELSEWHERE}) x",
            SETTLED_ELSEWHERE,
        ),
        _run(
            cursor,
            "settlements move a partner's clearing credits to its own settled account",
            f"SELECT count(*) FROM ({SETTLEMENT_MISMATCHED}) x",
            SETTLEMENT_MISMATCHED,
        ),
    ]
    return journals, postings, accounts, checks
