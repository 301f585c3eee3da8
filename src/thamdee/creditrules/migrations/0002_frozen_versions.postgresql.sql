CREATE OR REPLACE FUNCTION thamdee_rulebook_version_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.published_at IS NOT NULL THEN
    RAISE EXCEPTION 'published rulebook versions never change: % refused', TG_OP
      USING ERRCODE = 'TD020', HINT = 'draft a new version with a later effective date';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS creditrules_version_frozen ON creditrules_rulebookversion;
CREATE TRIGGER creditrules_version_frozen BEFORE UPDATE OR DELETE ON creditrules_rulebookversion
  FOR EACH ROW EXECUTE FUNCTION thamdee_rulebook_version_frozen();
