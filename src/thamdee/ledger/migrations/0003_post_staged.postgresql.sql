-- Staged posting: many journals at once, set-based, for bulk imports (thamdee.ledger.posting.post_staged).
-- Idempotent: CREATE OR REPLACE and IF NOT EXISTS.

-- uuid-ossp is a trusted extension (the database owner may create it); it gives uuid_generate_v5, the same
-- hash as Python's uuid.uuid5, so a key computed here equals thamdee.ledger.posting.key_uuid(key).
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

CREATE OR REPLACE FUNCTION thamdee_ledger_key(p_key text) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT uuid_generate_v5('5d1c3a52-6c79-4b0e-9e55-7468616d6465'::uuid, p_key)
$$;

-- Post the journals of the session's temporary tables ledger_stage_journal (id, kind, key, created_at, actor_id,
-- memo, cause_kind, cause_id, replayed) and ledger_stage_leg (journal_id, account_id, amount, earned), which
-- thamdee.ledger.posting.stage_create() makes. Journal ids come from the ledger_journal sequence (the caller
-- draws them with nextval so that it can point to them).
--
-- The same guarantees as thamdee_ledger_post_batch, checked set-based before anything is written, so that they
-- hold even when the caller has switched per-row triggers off for the bulk insert (session_replication_role =
-- replica, which also skips foreign-key triggers):
--   * every journal has two legs or more on different accounts, none zero, summing to zero (TD003);
--   * every account and every actor exists (23503), and is locked against deletion until commit;
--   * a key already used is a replay: with the same content it is left alone (replayed = true on its stage
--     row, its id replaced by the first journal's), with other content it is refused (TD002);
--   * each balance moves once, by its net change, only if it stays >= 0 (TD001); rows are locked in ascending
--     id order (merge or nested-loop join over the sorted net table), the order every other posting uses.
-- All or nothing: any refusal raises, and the caller's transaction rolls back.
CREATE OR REPLACE FUNCTION thamdee_ledger_post_staged() RETURNS TABLE (posted bigint, replayed bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_bad bigint;
  v_missing bigint;
  v_expected bigint;
  v_updated bigint;
  v_inserted bigint;
  v_staged bigint;
  v_replayed bigint := 0;
  v_hash text := current_setting('enable_hashjoin');
BEGIN
  SELECT count(*) INTO v_staged FROM ledger_stage_journal;
  IF v_staged = 0 THEN
    RETURN QUERY SELECT 0::bigint, 0::bigint;
    RETURN;
  END IF;

  -- 1. Balanced, two legs or more, no zero leg, no account twice; no journal without legs, no leg without journal.
  SELECT coalesce(s.id, l.journal_id) INTO v_bad
    FROM ledger_stage_journal s
    FULL JOIN (SELECT journal_id, sum(amount) AS total, count(*) AS legs, count(DISTINCT account_id) AS accounts,
                      bool_or(amount = 0) AS has_zero
                 FROM ledger_stage_leg GROUP BY journal_id) l ON l.journal_id = s.id
   WHERE s.id IS NULL OR l.journal_id IS NULL OR l.total <> 0 OR l.legs < 2 OR l.accounts <> l.legs OR l.has_zero
   LIMIT 1;
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'staged journal % does not balance', v_bad USING ERRCODE = 'TD003';
  END IF;

  -- 2. Actors exist (the journal's foreign key), locked against deletion.
  SELECT count(*) INTO v_missing FROM (SELECT DISTINCT actor_id FROM ledger_stage_journal WHERE actor_id IS NOT NULL) a
   WHERE NOT EXISTS (SELECT 1 FROM people_user u WHERE u.id = a.actor_id);
  IF v_missing > 0 THEN
    RAISE EXCEPTION 'a staged journal names an actor that does not exist' USING ERRCODE = '23503';
  END IF;
  PERFORM 1 FROM people_user u WHERE u.id IN (SELECT DISTINCT actor_id FROM ledger_stage_journal) FOR KEY SHARE;

  -- 3. The journals. Keys already used are replays (checked just below).
  PERFORM set_config('thamdee.verified_post', 'on', true);
  INSERT INTO ledger_journal (id, kind, idempotency_key, created_at, actor_id, memo, cause_kind, cause_id)
  SELECT s.id, s.kind, s.key, s.created_at, s.actor_id, s.memo, s.cause_kind, s.cause_id
    FROM ledger_stage_journal s ORDER BY s.id
  ON CONFLICT (idempotency_key) DO NOTHING;
  GET DIAGNOSTICS v_inserted = ROW_COUNT;
  PERFORM set_config('thamdee.verified_post', 'off', true);

  IF v_inserted <> v_staged THEN
    -- The first journal under a replayed key must carry the same content.
    UPDATE ledger_stage_journal s SET replayed = true
     WHERE NOT EXISTS (SELECT 1 FROM ledger_journal j WHERE j.id = s.id);
    GET DIAGNOSTICS v_replayed = ROW_COUNT;
    SELECT j.id INTO v_bad
      FROM ledger_stage_journal s JOIN ledger_journal j ON j.idempotency_key = s.key
     WHERE s.replayed
       AND (j.kind IS DISTINCT FROM s.kind OR j.cause_kind IS DISTINCT FROM s.cause_kind
            OR j.cause_id IS DISTINCT FROM s.cause_id
            OR ARRAY(SELECT p.account_id::text || ':' || p.amount FROM ledger_posting p
                      WHERE p.journal_id = j.id ORDER BY p.account_id)
               IS DISTINCT FROM
               ARRAY(SELECT l.account_id::text || ':' || l.amount FROM ledger_stage_leg l
                      WHERE l.journal_id = s.id ORDER BY l.account_id))
     LIMIT 1;
    IF v_bad IS NOT NULL THEN
      RAISE EXCEPTION 'idempotency key was used for a different journal (#%)', v_bad USING ERRCODE = 'TD002';
    END IF;
    DELETE FROM ledger_stage_leg l USING ledger_stage_journal s WHERE s.replayed AND l.journal_id = s.id;
    UPDATE ledger_stage_journal s SET id = j.id FROM ledger_journal j WHERE s.replayed AND j.idempotency_key = s.key;
  END IF;

  -- 4. Balances: the net change per account, applied once, in ascending account order.
  DROP TABLE IF EXISTS ledger_stage_net;
  CREATE TEMP TABLE ledger_stage_net ON COMMIT DROP AS
    SELECT account_id, sum(amount)::bigint AS delta, sum(earned)::bigint AS earn
      FROM ledger_stage_leg GROUP BY account_id ORDER BY account_id;
  ANALYZE ledger_stage_net;
  SELECT count(*) FILTER (WHERE a.id IS NULL), count(*) FILTER (WHERE a.balance IS NOT NULL)
    INTO v_missing, v_expected
    FROM ledger_stage_net n LEFT JOIN ledger_account a ON a.id = n.account_id;
  IF v_missing > 0 THEN
    RAISE EXCEPTION 'a staged leg names an account that does not exist' USING ERRCODE = '23503';
  END IF;
  -- Issuance accounts keep no balance row to update: lock them against deletion like the others.
  PERFORM 1 FROM ledger_account a WHERE a.balance IS NULL
     AND a.id IN (SELECT account_id FROM ledger_stage_net) FOR KEY SHARE;
  PERFORM set_config('enable_hashjoin', 'off', true);
  UPDATE ledger_account a SET balance = a.balance + n.delta, earned_total = a.earned_total + n.earn
    FROM ledger_stage_net n
   WHERE a.id = n.account_id AND a.balance IS NOT NULL AND a.balance + n.delta >= 0
     AND a.earned_total + n.earn >= 0;
  GET DIAGNOSTICS v_updated = ROW_COUNT;
  PERFORM set_config('enable_hashjoin', v_hash, true);
  IF v_updated <> v_expected THEN
    SELECT a.id INTO v_bad FROM ledger_account a JOIN ledger_stage_net n ON n.account_id = a.id
     WHERE a.balance IS NOT NULL AND (a.balance + n.delta < 0 OR a.earned_total + n.earn < 0) LIMIT 1;
    RAISE EXCEPTION 'insufficient credits in account %', v_bad USING ERRCODE = 'TD001', DETAIL = v_bad::text;
  END IF;

  -- 5. The postings, in the order of their key.
  INSERT INTO ledger_posting (journal_id, account_id, amount)
  SELECT l.journal_id, l.account_id, l.amount FROM ledger_stage_leg l ORDER BY l.journal_id, l.account_id;

  DROP TABLE ledger_stage_net;
  RETURN QUERY SELECT v_staged - v_replayed, v_replayed;
END $$;
