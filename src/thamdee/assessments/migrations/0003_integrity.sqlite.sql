-- SQLite remakes a table to alter it, and a trigger naming another table breaks the rename: a later migration of
-- this app that alters one of these tables drops the triggers first and runs this file again after (0004). They
-- name tables of this app alone (and ledger_unlock): that a province assessed is a province (areas_area) is kept by
-- the service here, and by a trigger on PostgreSQL only, so that no migration of another app has to know of them.
-- A score or an evidence file names an activity of its own assessment's framework.
DROP TRIGGER IF EXISTS assessments_score_indicator_insert;
CREATE TRIGGER assessments_score_indicator_insert BEFORE INSERT ON assessments_score
WHEN NOT EXISTS (SELECT 1 FROM assessments_assessment a JOIN assessments_indicator i ON i.framework_id = a.framework_id
                 WHERE a.id = NEW.assessment_id AND i.id = NEW.indicator_id)
BEGIN SELECT RAISE(ABORT, 'the activity is not in the framework of its assessment'); END;

DROP TRIGGER IF EXISTS assessments_score_indicator_update;
CREATE TRIGGER assessments_score_indicator_update BEFORE UPDATE OF assessment_id, indicator_id ON assessments_score
WHEN NOT EXISTS (SELECT 1 FROM assessments_assessment a JOIN assessments_indicator i ON i.framework_id = a.framework_id
                 WHERE a.id = NEW.assessment_id AND i.id = NEW.indicator_id)
BEGIN SELECT RAISE(ABORT, 'the activity is not in the framework of its assessment'); END;

DROP TRIGGER IF EXISTS assessments_evidencefile_indicator_insert;
CREATE TRIGGER assessments_evidencefile_indicator_insert BEFORE INSERT ON assessments_evidencefile
WHEN NOT EXISTS (SELECT 1 FROM assessments_assessment a JOIN assessments_indicator i ON i.framework_id = a.framework_id
                 WHERE a.id = NEW.assessment_id AND i.id = NEW.indicator_id)
BEGIN SELECT RAISE(ABORT, 'the activity is not in the framework of its assessment'); END;

DROP TRIGGER IF EXISTS assessments_evidencefile_indicator_update;
CREATE TRIGGER assessments_evidencefile_indicator_update
BEFORE UPDATE OF assessment_id, indicator_id ON assessments_evidencefile
WHEN NOT EXISTS (SELECT 1 FROM assessments_assessment a JOIN assessments_indicator i ON i.framework_id = a.framework_id
                 WHERE a.id = NEW.assessment_id AND i.id = NEW.indicator_id)
BEGIN SELECT RAISE(ABORT, 'the activity is not in the framework of its assessment'); END;

-- An assessment's framework is of its subject and stays the one it was opened with.
DROP TRIGGER IF EXISTS assessments_assessment_subject_insert;
CREATE TRIGGER assessments_assessment_subject_insert BEFORE INSERT ON assessments_assessment
WHEN NOT EXISTS (SELECT 1 FROM assessments_framework f WHERE f.id = NEW.framework_id
                 AND f.subject = CASE WHEN NEW.organisation_id IS NOT NULL THEN 'organisation' ELSE 'province' END)
BEGIN SELECT RAISE(ABORT, 'the framework of the assessment does not fit its subject'); END;

DROP TRIGGER IF EXISTS assessments_assessment_subject_update;
CREATE TRIGGER assessments_assessment_subject_update
BEFORE UPDATE OF framework_id, organisation_id, province_id ON assessments_assessment
WHEN NEW.framework_id <> OLD.framework_id
  OR NOT EXISTS (SELECT 1 FROM assessments_framework f WHERE f.id = NEW.framework_id
                 AND f.subject = CASE WHEN NEW.organisation_id IS NOT NULL THEN 'organisation' ELSE 'province' END)
BEGIN SELECT RAISE(ABORT, 'the framework of the assessment does not fit its subject'); END;

-- The history of an assessment is only ever added to (the test suite's flush aside: ledger_unlock).
DROP TRIGGER IF EXISTS assessments_event_no_update;
CREATE TRIGGER assessments_event_no_update BEFORE UPDATE ON assessments_assessmentevent
WHEN NOT EXISTS (SELECT 1 FROM ledger_unlock)
BEGIN SELECT RAISE(ABORT, 'the history of an assessment is only added to: UPDATE refused'); END;

DROP TRIGGER IF EXISTS assessments_event_no_delete;
CREATE TRIGGER assessments_event_no_delete BEFORE DELETE ON assessments_assessmentevent
WHEN NOT EXISTS (SELECT 1 FROM ledger_unlock)
BEGIN SELECT RAISE(ABORT, 'the history of an assessment is only added to: DELETE refused'); END;
