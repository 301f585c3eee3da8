"""Move the messages of past gifts and donations out of ``ledger_journal.memo`` into ``ledger_journalnote``.

A message is its writer's personal data, and erasure must be able to clear it; the journal is append-only, so the
message now lives in a note beside it (``JournalNote``). Nothing in the books reads the memo of a past journal:
reconciliation (``thamdee ledger check``) reads kinds, amounts, accounts and reversals; the idempotency check (a
replayed key with other content) compares kind, cause, reversal and legs, never the memo; no hash or digest covers
a journal. So clearing these memos changes no figure and no guarantee.

Clearing them is the one update of journals there will ever be, made here under the database's own guard:

- PostgreSQL: the append-only trigger is disabled and enabled again inside this migration's transaction. ALTER
  TABLE holds a lock that keeps every other writer of journals waiting until the transaction ends, and no other
  session ever sees the trigger disabled (catalog changes are transactional). Deferred checks already pending are
  run first (PostgreSQL alters no table that has them), then deferred again, as ``SecondaryIndexes.rebuild`` does.
- SQLite: a row in ``ledger_unlock`` (id 2, not the test flush's id 1) lifts the triggers for this transaction and
  is deleted before it ends.

A journal whose writer cannot be told (no actor, and for a gift no giver in its cause) keeps its memo: the services
have always named the actor, so there should be none. The reverse puts the notes back into the memos.
"""

from django.db import migrations

GIFT, DONATION, CAUSE_GIFT = 5, 6, 3

MOVE = f"""
INSERT INTO ledger_journalnote (journal_id, text, author_id)
SELECT j.id, j.memo, u.id
  FROM ledger_journal j
  JOIN people_user u
    ON u.id = coalesce(j.actor_id, CASE WHEN j.kind = {GIFT} AND j.cause_kind = {CAUSE_GIFT} THEN j.cause_id END)
 WHERE j.kind IN ({GIFT}, {DONATION}) AND j.memo IS NOT NULL AND j.memo <> '' AND length(j.memo) <= 300
   AND NOT EXISTS (SELECT 1 FROM ledger_journalnote n WHERE n.journal_id = j.id)
"""
CLEAR = f"""
UPDATE ledger_journal SET memo = NULL
 WHERE kind IN ({GIFT}, {DONATION}) AND memo IS NOT NULL
   AND EXISTS (SELECT 1 FROM ledger_journalnote n
                WHERE n.journal_id = ledger_journal.id AND n.text = ledger_journal.memo)
"""
RESTORE = f"""
UPDATE ledger_journal SET memo = (SELECT n.text FROM ledger_journalnote n WHERE n.journal_id = ledger_journal.id)
 WHERE kind IN ({GIFT}, {DONATION}) AND memo IS NULL
   AND EXISTS (SELECT 1 FROM ledger_journalnote n WHERE n.journal_id = ledger_journal.id)
"""


def _unlocked(cursor, vendor: str, statement: str) -> None:  # type: ignore[no-untyped-def]
    """Run one UPDATE of ``ledger_journal`` with its append-only guard lifted for that statement alone."""
    if vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE ledger_journal DISABLE TRIGGER ledger_journal_append_only")
        cursor.execute(statement)
        cursor.execute("ALTER TABLE ledger_journal ENABLE TRIGGER ledger_journal_append_only")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    elif vendor == "sqlite":
        cursor.execute("INSERT OR IGNORE INTO ledger_unlock (id) VALUES (2)")
        cursor.execute(statement)
        cursor.execute("DELETE FROM ledger_unlock WHERE id = 2")
    else:
        raise NotImplementedError(vendor)


def memos_to_notes(connection) -> int:  # type: ignore[no-untyped-def]
    """Move gift and donation memos into notes and clear them from the journals. Returns the notes written."""
    with connection.cursor() as cursor:
        cursor.execute(MOVE)
        moved = cursor.rowcount
        _unlocked(cursor, connection.vendor, CLEAR)
    return moved


def notes_to_memos(connection) -> None:  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        _unlocked(cursor, connection.vendor, RESTORE)
        cursor.execute("DELETE FROM ledger_journalnote")


def forwards(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    memos_to_notes(schema_editor.connection)


def backwards(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    notes_to_memos(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0006_journal_note")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
