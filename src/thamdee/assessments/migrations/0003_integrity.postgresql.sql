-- A score or an evidence file names an activity of its own assessment's framework.
CREATE OR REPLACE FUNCTION thamdee_assessment_indicator_of_framework() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM assessments_assessment a JOIN assessments_indicator i ON i.framework_id = a.framework_id
    WHERE a.id = NEW.assessment_id AND i.id = NEW.indicator_id
  ) THEN
    RAISE EXCEPTION 'activity % is not in the framework of assessment %', NEW.indicator_id, NEW.assessment_id
      USING ERRCODE = 'TD030';
  END IF;
  RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS assessments_score_indicator ON assessments_score;
CREATE TRIGGER assessments_score_indicator BEFORE INSERT OR UPDATE OF assessment_id, indicator_id
  ON assessments_score FOR EACH ROW EXECUTE FUNCTION thamdee_assessment_indicator_of_framework();
DROP TRIGGER IF EXISTS assessments_evidencefile_indicator ON assessments_evidencefile;
CREATE TRIGGER assessments_evidencefile_indicator BEFORE INSERT OR UPDATE OF assessment_id, indicator_id
  ON assessments_evidencefile FOR EACH ROW EXECUTE FUNCTION thamdee_assessment_indicator_of_framework();

-- An assessment's framework is of its subject and stays the one it was opened with; a province is a province.
CREATE OR REPLACE FUNCTION thamdee_assessment_subject() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.framework_id <> OLD.framework_id THEN
    RAISE EXCEPTION 'an assessment keeps the framework it was opened with' USING ERRCODE = 'TD030';
  END IF;
  IF NOT EXISTS (
    SELECT 1 FROM assessments_framework f WHERE f.id = NEW.framework_id
      AND f.subject = CASE WHEN NEW.organisation_id IS NOT NULL THEN 'organisation' ELSE 'province' END
  ) THEN
    RAISE EXCEPTION 'the framework of assessment % is not for its subject', NEW.id USING ERRCODE = 'TD030';
  END IF;
  IF NEW.province_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM areas_area WHERE id = NEW.province_id AND level = 1) THEN
    RAISE EXCEPTION 'only a province is assessed as a province' USING ERRCODE = 'TD030';
  END IF;
  RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS assessments_assessment_subject ON assessments_assessment;
CREATE TRIGGER assessments_assessment_subject
  BEFORE INSERT OR UPDATE OF framework_id, organisation_id, province_id ON assessments_assessment
  FOR EACH ROW EXECUTE FUNCTION thamdee_assessment_subject();

-- The history of an assessment is only ever added to.
CREATE OR REPLACE FUNCTION thamdee_assessment_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the history of an assessment is only added to: % refused', TG_OP USING ERRCODE = 'TD031';
END $$;

DROP TRIGGER IF EXISTS assessments_event_append_only ON assessments_assessmentevent;
CREATE TRIGGER assessments_event_append_only BEFORE UPDATE OR DELETE ON assessments_assessmentevent
  FOR EACH ROW EXECUTE FUNCTION thamdee_assessment_event_append_only();
