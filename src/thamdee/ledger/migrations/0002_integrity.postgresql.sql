-- Integrity and posting for the ledger on PostgreSQL. Installed by migration 0002 (and reinstalled by later
-- migrations that change it). Everything here is idempotent: CREATE OR REPLACE and DROP ... IF EXISTS.

-- 1. Posted rows are never changed or deleted. (TRUNCATE fires no row trigger; the application role is not
--    granted TRUNCATE in production, see docs/operations.md.)
CREATE OR REPLACE FUNCTION thamdee_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'TD010', HINT = 'correct a journal with a reversing journal';
END $$;

DROP TRIGGER IF EXISTS ledger_journal_append_only ON ledger_journal;
CREATE TRIGGER ledger_journal_append_only BEFORE UPDATE OR DELETE ON ledger_journal
  FOR EACH ROW EXECUTE FUNCTION thamdee_ledger_append_only();
DROP TRIGGER IF EXISTS ledger_posting_append_only ON ledger_posting;
CREATE TRIGGER ledger_posting_append_only BEFORE UPDATE OR DELETE ON ledger_posting
  FOR EACH ROW EXECUTE FUNCTION thamdee_ledger_append_only();

-- 2. A journal's postings sum to zero and it has at least two legs: checked when the transaction commits.
--    The posting functions below check the same thing themselves, before they write, and mark their own inserts
--    (a transaction-local setting, switched off again before they return) so that the commit-time check is not
--    repeated for them; every other insert, from any other code or raw SQL, is checked at commit.
CREATE OR REPLACE FUNCTION thamdee_ledger_journal_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  total bigint;
  legs integer;
BEGIN
  SELECT coalesce(sum(amount), 0), count(*) INTO total, legs FROM ledger_posting WHERE journal_id = NEW.id;
  IF total <> 0 OR legs < 2 THEN
    RAISE EXCEPTION 'journal % does not balance (sum %, % legs)', NEW.id, total, legs USING ERRCODE = 'TD003';
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS ledger_journal_balanced ON ledger_journal;
CREATE CONSTRAINT TRIGGER ledger_journal_balanced AFTER INSERT ON ledger_journal
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (current_setting('thamdee.verified_post', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION thamdee_ledger_journal_balanced();

CREATE OR REPLACE FUNCTION thamdee_ledger_check_legs(p_accounts bigint[], p_amounts integer[]) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  total bigint := 0;
  i integer;
BEGIN
  IF coalesce(array_length(p_accounts, 1), 0) < 2 OR array_length(p_accounts, 1) <> array_length(p_amounts, 1) THEN
    RAISE EXCEPTION 'a journal needs two legs or more' USING ERRCODE = 'TD003';
  END IF;
  FOR i IN 1 .. array_length(p_amounts, 1) LOOP
    IF p_amounts[i] = 0 OR p_amounts[i] IS NULL THEN
      RAISE EXCEPTION 'a leg of zero credits' USING ERRCODE = 'TD003';
    END IF;
    total := total + p_amounts[i];
  END LOOP;
  IF total <> 0 THEN
    RAISE EXCEPTION 'legs sum to %, not zero', total USING ERRCODE = 'TD003';
  END IF;
END $$;

-- Balances are updated in place: leave room on each page so the update stays on the page (HOT).
ALTER TABLE ledger_account SET (fillfactor = 80);

-- 3. Post one journal in one round trip. p_at backdates a journal (imports of paper passbooks, the demo);
--    NULL means now.
--    p_accounts must be sorted ascending (the caller sorts): balance rows are locked in that order, so two
--    journals that touch the same accounts can never deadlock. A balance row moves only if it stays >= 0
--    (TD001 otherwise); issuance accounts (balance NULL) are never updated. A replayed idempotency key
--    returns the first journal (replayed = true), or TD002 if the content differs.
CREATE OR REPLACE FUNCTION thamdee_ledger_post(
  p_kind smallint, p_key uuid, p_actor bigint, p_memo text, p_cause_kind smallint, p_cause_id bigint,
  p_reversal_of bigint, p_accounts bigint[], p_amounts integer[], p_earned integer[], p_at timestamptz
) RETURNS TABLE (journal_id bigint, created_at timestamptz, replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
  v_at timestamptz;
  v_old record;
  i integer;
BEGIN
  PERFORM thamdee_ledger_check_legs(p_accounts, p_amounts);
  PERFORM set_config('thamdee.verified_post', 'on', true);
  INSERT INTO ledger_journal (kind, idempotency_key, created_at, actor_id, memo, cause_kind, cause_id, reversal_of_id)
  VALUES (p_kind, p_key, coalesce(p_at, now()), p_actor, p_memo, p_cause_kind, p_cause_id, p_reversal_of)
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING id, ledger_journal.created_at INTO v_id, v_at;
  PERFORM set_config('thamdee.verified_post', 'off', true);

  IF v_id IS NULL THEN
    SELECT j.id, j.created_at, j.kind, j.cause_kind, j.cause_id, j.reversal_of_id INTO v_old
      FROM ledger_journal j WHERE j.idempotency_key = p_key;
    IF v_old.kind IS DISTINCT FROM p_kind OR v_old.cause_kind IS DISTINCT FROM p_cause_kind
       OR v_old.cause_id IS DISTINCT FROM p_cause_id OR v_old.reversal_of_id IS DISTINCT FROM p_reversal_of
       OR ARRAY(SELECT p.account_id::text || ':' || p.amount FROM ledger_posting p
                 WHERE p.journal_id = v_old.id ORDER BY p.account_id)
          IS DISTINCT FROM
          ARRAY(SELECT a::text || ':' || b FROM unnest(p_accounts, p_amounts) AS t(a, b) ORDER BY a) THEN
      RAISE EXCEPTION 'idempotency key % was used for a different journal (#%)', p_key, v_old.id
        USING ERRCODE = 'TD002';
    END IF;
    RETURN QUERY SELECT v_old.id, v_old.created_at, true;
    RETURN;
  END IF;

  FOR i IN 1 .. array_length(p_accounts, 1) LOOP
    UPDATE ledger_account
       SET balance = balance + p_amounts[i], earned_total = earned_total + p_earned[i]
     WHERE id = p_accounts[i] AND balance + p_amounts[i] >= 0;
    IF NOT FOUND THEN
      PERFORM 1 FROM ledger_account WHERE id = p_accounts[i] AND balance IS NULL;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'insufficient credits in account %', p_accounts[i]
          USING ERRCODE = 'TD001', DETAIL = p_accounts[i]::text;
      END IF;
    END IF;
  END LOOP;

  INSERT INTO ledger_posting (journal_id, account_id, amount)
  SELECT v_id, a, b FROM unnest(p_accounts, p_amounts) AS t(a, b);

  RETURN QUERY SELECT v_id, v_at, false;
END $$;

-- 4. The common case, two legs, with scalar arguments (no arrays to build or unpack): same guarantees.
--    a < b is required (the caller sorts), so rows are locked in ascending order.
CREATE OR REPLACE FUNCTION thamdee_ledger_post2(
  p_kind smallint, p_key uuid, p_actor bigint, p_memo text, p_cause_kind smallint, p_cause_id bigint,
  p_reversal_of bigint, p_a bigint, p_amount_a integer, p_earned_a integer, p_b bigint, p_amount_b integer,
  p_earned_b integer, p_at timestamptz
) RETURNS TABLE (journal_id bigint, created_at timestamptz, replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
  v_at timestamptz;
BEGIN
  IF p_a >= p_b OR p_amount_a + p_amount_b <> 0 OR p_amount_a = 0 THEN
    RAISE EXCEPTION 'two legs on two accounts (ascending), summing to zero' USING ERRCODE = 'TD003';
  END IF;
  PERFORM set_config('thamdee.verified_post', 'on', true);
  INSERT INTO ledger_journal (kind, idempotency_key, created_at, actor_id, memo, cause_kind, cause_id, reversal_of_id)
  VALUES (p_kind, p_key, coalesce(p_at, now()), p_actor, p_memo, p_cause_kind, p_cause_id, p_reversal_of)
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING id, ledger_journal.created_at INTO v_id, v_at;
  PERFORM set_config('thamdee.verified_post', 'off', true);
  IF v_id IS NULL THEN
    -- A replay: the general function checks the content and answers.
    RETURN QUERY SELECT * FROM thamdee_ledger_post(p_kind, p_key, p_actor, p_memo, p_cause_kind, p_cause_id,
      p_reversal_of, ARRAY[p_a, p_b], ARRAY[p_amount_a, p_amount_b], ARRAY[p_earned_a, p_earned_b], p_at);
    RETURN;
  END IF;
  UPDATE ledger_account SET balance = balance + p_amount_a, earned_total = earned_total + p_earned_a
   WHERE id = p_a AND balance + p_amount_a >= 0;
  IF NOT FOUND THEN
    PERFORM 1 FROM ledger_account WHERE id = p_a AND balance IS NULL;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'insufficient credits in account %', p_a USING ERRCODE = 'TD001', DETAIL = p_a::text;
    END IF;
  END IF;
  UPDATE ledger_account SET balance = balance + p_amount_b, earned_total = earned_total + p_earned_b
   WHERE id = p_b AND balance + p_amount_b >= 0;
  IF NOT FOUND THEN
    PERFORM 1 FROM ledger_account WHERE id = p_b AND balance IS NULL;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'insufficient credits in account %', p_b USING ERRCODE = 'TD001', DETAIL = p_b::text;
    END IF;
  END IF;
  INSERT INTO ledger_posting (journal_id, account_id, amount) VALUES (v_id, p_a, p_amount_a), (v_id, p_b, p_amount_b);
  RETURN QUERY SELECT v_id, v_at, false;
END $$;

-- 5. Post many journals in one call, set-based: journal ids are drawn from the sequence up front; one INSERT
--    for the journals, one locking SELECT and one UPDATE for the balances (net per account, locked in ascending
--    order), one INSERT for the postings. Arrays are always read with unnest (zipped or WITH ORDINALITY), never
--    subscripted row by row, which would copy the array for each row. All or nothing: if any balance would go
--    below zero, nothing is posted (TD001). Keys already used are replays, checked for the same content as
--    above (TD002 otherwise).
CREATE OR REPLACE FUNCTION thamdee_ledger_post_batch(
  p_kinds smallint[], p_keys uuid[], p_actor bigint, p_memos text[], p_cause_kinds smallint[],
  p_cause_ids bigint[], p_leg_journal integer[], p_leg_accounts bigint[], p_leg_amounts integer[],
  p_leg_earned integer[], p_ats timestamptz[]
) RETURNS TABLE (idx integer, journal_id bigint, replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_n integer := coalesce(array_length(p_keys, 1), 0);
  v_ids bigint[];
  v_inserted bigint[];
  v_new boolean[];
  v_all_new boolean;
  v_acc bigint[];
  v_delta bigint[];
  v_earn bigint[];
  v_leg_ids bigint[];
  v_leg_acc bigint[];
  v_leg_amt integer[];
  v_seq regclass;
  v_expected integer;
  v_updated integer;
  v_bad bigint;
BEGIN
  IF v_n = 0 THEN RETURN; END IF;
  SELECT j INTO v_bad FROM (
    SELECT l.jx AS j FROM unnest(p_leg_journal, p_leg_amounts) AS l(jx, b)
     GROUP BY l.jx HAVING sum(l.b) <> 0 OR count(*) < 2 OR bool_or(l.b = 0 OR l.b IS NULL)
    UNION ALL
    SELECT g FROM generate_series(1, v_n) g
      LEFT JOIN (SELECT DISTINCT l.jx FROM unnest(p_leg_journal) AS l(jx)) used ON used.jx = g
     WHERE used.jx IS NULL
  ) unbalanced LIMIT 1;
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'journal % of the batch does not balance', v_bad USING ERRCODE = 'TD003';
  END IF;
  v_seq := pg_get_serial_sequence('ledger_journal', 'id')::regclass;
  SELECT array_agg(nextval(v_seq) ORDER BY g) INTO v_ids FROM generate_series(1, v_n) g;

  PERFORM set_config('thamdee.verified_post', 'on', true);
  WITH ins AS (
    INSERT INTO ledger_journal (id, kind, idempotency_key, created_at, actor_id, memo, cause_kind, cause_id)
    SELECT t.id, t.k, t.key, coalesce(t.at, now()), p_actor, t.m, t.ck, t.ci
      FROM unnest(v_ids, p_kinds, p_keys, p_memos, p_cause_kinds, p_cause_ids, p_ats)
           AS t(id, k, key, m, ck, ci, at)
     ORDER BY t.id
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id
  )
  SELECT array_agg(id) INTO v_inserted FROM ins;
  PERFORM set_config('thamdee.verified_post', 'off', true);
  v_all_new := coalesce(array_length(v_inserted, 1), 0) = v_n;

  IF v_all_new THEN
    v_new := array_fill(true, ARRAY[v_n]);
  ELSE
    SELECT array_agg(i.id IS NOT NULL ORDER BY x.g) INTO v_new
      FROM unnest(v_ids) WITH ORDINALITY AS x(id, g) LEFT JOIN unnest(v_inserted) AS i(id) ON i.id = x.id;
    -- Replays must carry the same content as the journal first posted under their key.
    SELECT j.id INTO v_bad
      FROM unnest(v_new, p_keys, p_kinds, p_cause_kinds, p_cause_ids) WITH ORDINALITY AS t(is_new, key, k, ck, ci, g)
      JOIN ledger_journal j ON j.idempotency_key = t.key
     WHERE NOT t.is_new
       AND (j.kind IS DISTINCT FROM t.k OR j.cause_kind IS DISTINCT FROM t.ck OR j.cause_id IS DISTINCT FROM t.ci
            OR ARRAY(SELECT p.account_id::text || ':' || p.amount FROM ledger_posting p
                      WHERE p.journal_id = j.id ORDER BY p.account_id)
               IS DISTINCT FROM
               ARRAY(SELECT l.a::text || ':' || l.b
                       FROM unnest(p_leg_journal, p_leg_accounts, p_leg_amounts) AS l(jx, a, b)
                      WHERE l.jx = t.g ORDER BY l.a))
     LIMIT 1;
    IF v_bad IS NOT NULL THEN
      RAISE EXCEPTION 'idempotency key was used for a different journal (#%)', v_bad USING ERRCODE = 'TD002';
    END IF;
  END IF;

  -- The legs of the new journals, with their journal ids, sorted; then the net change per account.
  SELECT array_agg(j.id ORDER BY j.id, l.a), array_agg(l.a ORDER BY j.id, l.a), array_agg(l.b ORDER BY j.id, l.a)
    INTO v_leg_ids, v_leg_acc, v_leg_amt
    FROM unnest(p_leg_journal, p_leg_accounts, p_leg_amounts) AS l(jx, a, b)
    JOIN unnest(v_ids, v_new) WITH ORDINALITY AS j(id, is_new, g) ON j.g = l.jx
   WHERE j.is_new;
  SELECT array_agg(d.acc ORDER BY d.acc), array_agg(d.delta ORDER BY d.acc), array_agg(d.earn ORDER BY d.acc)
    INTO v_acc, v_delta, v_earn
    FROM (SELECT l.a AS acc, sum(l.b) AS delta, sum(l.e) AS earn
            FROM unnest(p_leg_journal, p_leg_accounts, p_leg_amounts, p_leg_earned) AS l(jx, a, b, e)
            JOIN unnest(v_new) WITH ORDINALITY AS j(is_new, g) ON j.g = l.jx
           WHERE j.is_new
           GROUP BY l.a) d;

  IF v_acc IS NOT NULL THEN
    SELECT count(*) INTO v_expected FROM (
      SELECT 1 FROM ledger_account WHERE id = ANY(v_acc) AND balance IS NOT NULL ORDER BY id FOR UPDATE
    ) locked;
    -- "id = ANY" keeps the plan on the primary key: a join alone can turn into a scan of every account.
    UPDATE ledger_account a SET balance = a.balance + d.delta, earned_total = a.earned_total + d.earn
      FROM unnest(v_acc, v_delta, v_earn) AS d(acc, delta, earn)
     WHERE a.id = ANY(v_acc) AND a.id = d.acc AND a.balance IS NOT NULL AND a.balance + d.delta >= 0;
    GET DIAGNOSTICS v_updated = ROW_COUNT;
    IF v_updated <> v_expected THEN
      SELECT a.id INTO v_bad FROM ledger_account a JOIN unnest(v_acc, v_delta) AS d(acc, delta) ON d.acc = a.id
       WHERE a.id = ANY(v_acc) AND a.balance IS NOT NULL AND a.balance + d.delta < 0 LIMIT 1;
      RAISE EXCEPTION 'insufficient credits in account %', v_bad USING ERRCODE = 'TD001', DETAIL = v_bad::text;
    END IF;

    INSERT INTO ledger_posting (journal_id, account_id, amount)
    SELECT * FROM unnest(v_leg_ids, v_leg_acc, v_leg_amt);
  END IF;

  RETURN QUERY
    SELECT x.g::integer,
           CASE WHEN x.is_new THEN x.id ELSE (SELECT j.id FROM ledger_journal j WHERE j.idempotency_key = x.key) END,
           NOT x.is_new
      FROM unnest(v_ids, v_new, p_keys) WITH ORDINALITY AS x(id, is_new, key, g) ORDER BY x.g;
END $$;
