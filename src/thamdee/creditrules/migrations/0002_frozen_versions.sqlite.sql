DROP TRIGGER IF EXISTS creditrules_version_frozen_update;
CREATE TRIGGER creditrules_version_frozen_update BEFORE UPDATE ON creditrules_rulebookversion
WHEN OLD.published_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger_unlock)
BEGIN SELECT RAISE(ABORT, 'published rulebook versions never change: UPDATE refused'); END;

DROP TRIGGER IF EXISTS creditrules_version_frozen_delete;
CREATE TRIGGER creditrules_version_frozen_delete BEFORE DELETE ON creditrules_rulebookversion
WHEN OLD.published_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger_unlock)
BEGIN SELECT RAISE(ABORT, 'published rulebook versions never change: DELETE refused'); END;
