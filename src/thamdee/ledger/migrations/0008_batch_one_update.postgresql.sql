-- The batch posting function of 0002, with its balances moved by one UPDATE instead of a locking SELECT and an
-- UPDATE: the UPDATE takes its rows in ascending account order itself, so the separate pass, which locked every
-- account of the batch (a row lock is a write of its own: the row's header and a WAL record) before updating it, is
-- needed only when a balance seems to go below zero (below). Everything else is as in 0002.

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
  v_hash text;
  v_bitmap text;
  v_seqscan text;
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
    -- One UPDATE, the rows taken in ascending account order: the plan is kept to an ordered index scan or a
    -- scan of the sorted deltas (no hash join, no bitmap scan, no sequential scan), so concurrent batches lock
    -- their accounts in the same order and cannot deadlock, without a locking SELECT before it.
    v_hash := current_setting('enable_hashjoin');
    v_bitmap := current_setting('enable_bitmapscan');
    v_seqscan := current_setting('enable_seqscan');
    PERFORM set_config('enable_hashjoin', 'off', true), set_config('enable_bitmapscan', 'off', true),
            set_config('enable_seqscan', 'off', true);
    BEGIN
      UPDATE ledger_account a SET balance = a.balance + d.delta, earned_total = a.earned_total + d.earn
        FROM unnest(v_acc, v_delta, v_earn) AS d(acc, delta, earn)
       WHERE a.id = ANY(v_acc) AND a.id = d.acc AND a.balance IS NOT NULL;
    EXCEPTION WHEN check_violation THEN
      -- A balance would go below zero (ledger_account_balance_never_negative), or seemed to: the UPDATE computes
      -- each row from the version its statement's snapshot saw, and checks it before taking the row's lock. If it
      -- waited on a lower account meanwhile, a credit to a higher one committed during that wait is not in the
      -- version it checks. So the UPDATE is undone, every account of the batch is locked in ascending order, and
      -- the UPDATE runs again on a fresh snapshot: now a refusal is real.
      PERFORM 1 FROM ledger_account WHERE id = ANY(v_acc) AND balance IS NOT NULL ORDER BY id FOR UPDATE;
      BEGIN
        UPDATE ledger_account a SET balance = a.balance + d.delta, earned_total = a.earned_total + d.earn
          FROM unnest(v_acc, v_delta, v_earn) AS d(acc, delta, earn)
         WHERE a.id = ANY(v_acc) AND a.id = d.acc AND a.balance IS NOT NULL;
      EXCEPTION WHEN check_violation THEN
        -- Undone again; the accounts are still locked, so the balances read here are the ones it checked.
        SELECT a.id INTO v_bad FROM ledger_account a JOIN unnest(v_acc, v_delta) AS d(acc, delta) ON d.acc = a.id
         WHERE a.id = ANY(v_acc) AND a.balance IS NOT NULL AND a.balance + d.delta < 0 ORDER BY a.id LIMIT 1;
        IF v_bad IS NULL THEN
          RAISE;
        END IF;
        RAISE EXCEPTION 'insufficient credits in account %', v_bad USING ERRCODE = 'TD001', DETAIL = v_bad::text;
      END;
    END;
    PERFORM set_config('enable_hashjoin', v_hash, true), set_config('enable_bitmapscan', v_bitmap, true),
            set_config('enable_seqscan', v_seqscan, true);

    INSERT INTO ledger_posting (journal_id, account_id, amount)
    SELECT * FROM unnest(v_leg_ids, v_leg_acc, v_leg_amt);
  END IF;

  RETURN QUERY
    SELECT x.g::integer,
           CASE WHEN x.is_new THEN x.id ELSE (SELECT j.id FROM ledger_journal j WHERE j.idempotency_key = x.key) END,
           NOT x.is_new
      FROM unnest(v_ids, v_new, p_keys) WITH ORDINALITY AS x(id, is_new, key, g) ORDER BY x.g;
END $$;
