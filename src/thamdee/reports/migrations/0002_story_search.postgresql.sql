-- Trigram search for Thai (no spaces between words): matches what Django's icontains produces,
-- UPPER(column::text) LIKE UPPER('%word%'). pg_trgm is a trusted extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS reports_story_search_trgm ON reports_story USING gin (UPPER(search_text::text) gin_trgm_ops);
