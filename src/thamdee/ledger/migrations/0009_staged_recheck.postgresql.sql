-- The staged posting function of 0003 (bulk ingest), with its balances moved by one UPDATE that no longer filters
-- on the balance: the account's CHECK constraints refuse a balance or lifetime total below zero. Before, a row that
-- the UPDATE's snapshot saw short was skipped (and the ingest refused) even when a credit to it had been committed
-- while the UPDATE waited on a lower account; now such a refusal is tried again with every account locked in
-- ascending order (below), as the batch function of 0008 does. Everything else is as in 0003.

CREATE OR REPLACE FUNCTION thamdee_ledger_post_staged() RETURNS TABLE (posted bigint, replayed bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_bad bigint;
  v_missing bigint;
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
  SELECT count(*) FILTER (WHERE a.id IS NULL) INTO v_missing
    FROM ledger_stage_net n LEFT JOIN ledger_account a ON a.id = n.account_id;
  IF v_missing > 0 THEN
    RAISE EXCEPTION 'a staged leg names an account that does not exist' USING ERRCODE = '23503';
  END IF;
  -- Issuance accounts keep no balance row to update: lock them against deletion like the others.
  PERFORM 1 FROM ledger_account a WHERE a.balance IS NULL
     AND a.id IN (SELECT account_id FROM ledger_stage_net) FOR KEY SHARE;
  PERFORM set_config('enable_hashjoin', 'off', true);
  BEGIN
    UPDATE ledger_account a SET balance = a.balance + n.delta, earned_total = a.earned_total + n.earn
      FROM ledger_stage_net n
     WHERE a.id = n.account_id AND a.balance IS NOT NULL;
  EXCEPTION WHEN check_violation THEN
    -- A balance or lifetime total would go below zero, or seemed to: the UPDATE checks each row as its
    -- statement's snapshot saw it, before taking the row's lock, so a credit committed while it waited on a lower
    -- account is not in what it checks. Undone; every account is locked in ascending order and the UPDATE runs
    -- again on a fresh snapshot: now a refusal is real.
    PERFORM 1 FROM ledger_account a WHERE a.id IN (SELECT account_id FROM ledger_stage_net) AND a.balance IS NOT NULL
     ORDER BY a.id FOR UPDATE;
    BEGIN
      UPDATE ledger_account a SET balance = a.balance + n.delta, earned_total = a.earned_total + n.earn
        FROM ledger_stage_net n
       WHERE a.id = n.account_id AND a.balance IS NOT NULL;
    EXCEPTION WHEN check_violation THEN
      SELECT a.id INTO v_bad FROM ledger_account a JOIN ledger_stage_net n ON n.account_id = a.id
       WHERE a.balance IS NOT NULL AND (a.balance + n.delta < 0 OR a.earned_total + n.earn < 0)
       ORDER BY a.id LIMIT 1;
      IF v_bad IS NULL THEN
        RAISE;
      END IF;
      RAISE EXCEPTION 'insufficient credits in account %', v_bad USING ERRCODE = 'TD001', DETAIL = v_bad::text;
    END;
  END;
  PERFORM set_config('enable_hashjoin', v_hash, true);

  -- 5. The postings, in the order of their key.
  INSERT INTO ledger_posting (journal_id, account_id, amount)
  SELECT l.journal_id, l.account_id, l.amount FROM ledger_stage_leg l ORDER BY l.journal_id, l.account_id;

  DROP TABLE ledger_stage_net;
  RETURN QUERY SELECT v_staged - v_replayed, v_replayed;
END $$;
