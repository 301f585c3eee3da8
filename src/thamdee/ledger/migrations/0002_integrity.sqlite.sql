-- Integrity for the ledger on SQLite: posted rows are never changed or deleted.
-- ledger_unlock is never written by the application; only the test suite's flush between tests uses it.
CREATE TABLE IF NOT EXISTS ledger_unlock (id integer PRIMARY KEY);

DROP TRIGGER IF EXISTS ledger_journal_no_update;
CREATE TRIGGER ledger_journal_no_update BEFORE UPDATE ON ledger_journal
WHEN NOT EXISTS (SELECT 1 FROM ledger_unlock)
BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: UPDATE on ledger_journal refused'); END;

DROP TRIGGER IF EXISTS ledger_journal_no_delete;
CREATE TRIGGER ledger_journal_no_delete BEFORE DELETE ON ledger_journal
WHEN NOT EXISTS (SELECT 1 FROM ledger_unlock)
BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: DELETE on ledger_journal refused'); END;

DROP TRIGGER IF EXISTS ledger_posting_no_update;
CREATE TRIGGER ledger_posting_no_update BEFORE UPDATE ON ledger_posting
WHEN NOT EXISTS (SELECT 1 FROM ledger_unlock)
BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: UPDATE on ledger_posting refused'); END;

DROP TRIGGER IF EXISTS ledger_posting_no_delete;
CREATE TRIGGER ledger_posting_no_delete BEFORE DELETE ON ledger_posting
WHEN NOT EXISTS (SELECT 1 FROM ledger_unlock)
BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: DELETE on ledger_posting refused'); END;
