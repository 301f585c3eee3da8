"""The ledger benchmark: transfers between member wallets through the posting service, against the floor.

Set-up: N member wallets (default 1,000,000) funded by one opening journal. Then:

1. single transfers through ``journal_post``, from 8 threads, for a fixed time (after a warm-up of the same load,
   not counted, as for every single-transfer figure; a CHECKPOINT before each timed phase);
2. the floor in the same run: a minimal raw-SQL transfer (one PL/pgSQL call per transfer: two balance updates
   and one row), driven by pgbench with the same client count, and with 16 clients as pgledger was measured;
3. batched transfers through ``journal_post_batch`` (1,000 per batch);
4. a set-based fill up to ~7 postings per account, then reconciliation (``ledger_check``) timed;
5. bytes per transfer: the growth of the journal and posting tables (with their indexes) over all transfers,
   divided by the number of transfers.

A peer ledger can be measured in the same run, on the same machine and database (``--peer-sql`` and
``--peer-script``), after every other phase: its SQL file is run with psql (``:accounts`` is the number of
accounts it should create), then its pgbench script (``:n`` is the same number) with the floor's client counts.
docs/ledger-bench.md says how pgledger was measured this way.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from thamdee.bench.core import Figure, Timer, autocommit_sql, checkpoint, pgbench, psql_file, relation_bytes

OPENING = 1000  # credits each wallet starts with


@dataclass
class Options:
    accounts: int = 1_000_000
    seconds: int = 20
    threads: int = 8
    batch_size: int = 1000
    batch_threads: int = 2
    postings_target: int = 7_000_000
    floor_clients: tuple[int, ...] = (8, 16)
    warmup: int = 10  # seconds of the same load before each single-transfer measurement, not counted
    peer_sql: Path | None = None  # a peer ledger's set-up, measured in the same run (see the module's doc)
    peer_script: Path | None = None  # its pgbench script for one transfer


def _setup(accounts: int) -> tuple[int, int]:
    """Create the wallets and their opening journal with set-based SQL; return (first id, last id)."""
    from thamdee.areas.models import Area, AreaLevel
    from thamdee.ledger.models import Account, AccountKind, Programme
    from thamdee.orgs.models import Organisation, OrgKind

    bangkok = Area.objects.create(
        code="10", level=AreaLevel.PROVINCE, name_th="กรุงเทพมหานคร", name_en="Bangkok", province_code="10"
    )
    agency = Organisation.objects.create(name_th="หน่วยงานทดสอบ", kind=OrgKind.AGENCY, area=bangkok)
    programme = Programme.objects.create(code="bench", name_th="โครงการทดสอบ", agency=agency)
    issuance = Account.objects.create(kind=AccountKind.ISSUANCE, programme=programme, fiscal_year=2027)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO people_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                                     is_active, date_joined, public_id, prefix, preferred_language)
            SELECT '!', false, 'bench' || g, 'สมาชิก', 'ทดสอบ', '', false, true, now(), gen_random_uuid(), '', 'th'
              FROM generate_series(1, %s) g
            """,
            [accounts],
        )
        cursor.execute(
            "INSERT INTO ledger_account (kind, user_id, balance, earned_total, created_at) "
            "SELECT 1, id, %s, 0, now() FROM people_user WHERE username LIKE 'bench%%' ORDER BY id",
            [OPENING],
        )
        cursor.execute("SELECT min(id), max(id) FROM ledger_account WHERE kind = 1")
        first, last = cursor.fetchone()
        cursor.execute(
            "INSERT INTO ledger_journal (kind, idempotency_key, created_at, memo) "
            "VALUES (8, gen_random_uuid(), now(), 'opening balances') RETURNING id"
        )
        (journal,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO ledger_posting (journal_id, account_id, amount) "
            "SELECT %s, id, %s FROM ledger_account WHERE kind = 1 UNION ALL SELECT %s, %s, %s",
            [journal, OPENING, journal, issuance.pk, -OPENING * accounts],
        )
    return first, last


FLOOR_SQL = """
CREATE TABLE bench_floor_account (id bigint PRIMARY KEY, balance bigint NOT NULL CHECK (balance >= 0))
  WITH (fillfactor = 80);
CREATE TABLE bench_floor_transfer (id bigserial PRIMARY KEY, from_id bigint NOT NULL, to_id bigint NOT NULL,
  amount integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO bench_floor_account SELECT g, 1000 FROM generate_series(1, {n}) g;
CREATE FUNCTION bench_floor_transfer(a bigint, b bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF a = b THEN RETURN; END IF;
  IF a < b THEN
    UPDATE bench_floor_account SET balance = balance - 1 WHERE id = a AND balance >= 1;
    UPDATE bench_floor_account SET balance = balance + 1 WHERE id = b;
  ELSE
    UPDATE bench_floor_account SET balance = balance + 1 WHERE id = b;
    UPDATE bench_floor_account SET balance = balance - 1 WHERE id = a AND balance >= 1;
  END IF;
  INSERT INTO bench_floor_transfer (from_id, to_id, amount) VALUES (a, b, 1);
END $$;
"""

FLOOR_SCRIPT = """\\set a random(1, :n)
\\set b random(1, :n)
SELECT bench_floor_transfer(:a, :b);
"""

# The batched floor: the same minimal tables, ``size`` random transfers per call, set-based: the rows inserted in
# one statement, the net change of each account applied by one UPDATE that takes the accounts in ascending order
# (as any concurrent batch must, and as the posting service's batch function does: an ordered index scan, no hash
# join, bitmap or sequential scan). Before 8 December 2026 this floor locked the accounts with
# ``id IN (SELECT ... FROM a temporary table)``, which PostgreSQL planned as a sequential scan of every account:
# a floor three times too low (docs/ledger-bench.md).
FLOOR_BATCH_SQL = """
CREATE FUNCTION bench_floor_batch(n bigint, size integer) RETURNS void LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_bitmapscan = off SET enable_seqscan = off AS $$
DECLARE
  v_a bigint[];
  v_b bigint[];
  v_acc bigint[];
  v_delta bigint[];
BEGIN
  SELECT array_agg(a), array_agg(1 + (a + floor(random() * (n - 1))::bigint) % n) INTO v_a, v_b
    FROM (SELECT 1 + floor(random() * n)::bigint AS a FROM generate_series(1, size)) s;
  INSERT INTO bench_floor_transfer (from_id, to_id, amount) SELECT a, b, 1 FROM unnest(v_a, v_b) AS t(a, b);
  SELECT array_agg(id ORDER BY id), array_agg(delta ORDER BY id) INTO v_acc, v_delta
    FROM (SELECT id, sum(delta) AS delta
            FROM (SELECT unnest(v_a) AS id, -1 AS delta UNION ALL SELECT unnest(v_b), 1) x GROUP BY id) d;
  UPDATE bench_floor_account acc SET balance = acc.balance + d.delta
    FROM unnest(v_acc, v_delta) AS d(id, delta)
   WHERE acc.id = ANY(v_acc) AND acc.id = d.id;
END $$;
"""

FLOOR_BATCH_SCRIPT = """SELECT bench_floor_batch(:n, :size);
"""

# Diagnostic: the service's own SQL function (``thamdee_ledger_post2``, what ``journal_post`` calls for two legs)
# driven by pgbench: the database's share of a transfer through the service, without Python.
SERVICE_SQL_SCRIPT = """\\set a random(:first, :last - :span)
\\set b :a + random(1, :span)
SELECT thamdee_ledger_post2(8::smallint, gen_random_uuid(), NULL::bigint, NULL::text, NULL::smallint,
  NULL::bigint, NULL::bigint, :a::bigint, -1, 0, :b::bigint, 1, 0, NULL::timestamptz);
"""


def _transfer_accounts(first: int, last: int, rng: random.Random) -> tuple[int, int]:
    a = rng.randint(first, last)
    b = rng.randint(first, last - 1)
    if b >= a:
        b += 1
    return a, b


def _single(first: int, last: int, threads: int, seconds: int, tag: str = "single") -> tuple[float, int, int]:
    """Transfers per second through the posting service from ``threads`` threads."""
    from thamdee.ledger import services
    from thamdee.ledger.models import AccountKind, JournalKind
    from thamdee.ledger.services import AccountRef

    done = [0] * threads
    failed = [0] * threads
    stop = time.perf_counter() + seconds
    barrier = threading.Barrier(threads + 1)

    def worker(index: int) -> None:
        rng = random.Random(index)
        try:
            connection.ensure_connection()
            barrier.wait()
            i = 0
            while time.perf_counter() < stop:
                a, b = _transfer_accounts(first, last, rng)
                try:
                    services.journal_post(
                        kind=JournalKind.TRANSFER,
                        legs=[(AccountRef(a, AccountKind.MEMBER), -1), (AccountRef(b, AccountKind.MEMBER), 1)],
                        idempotency_key=f"bench:{tag}:{index}:{i}",
                    )
                    done[index] += 1
                except Exception:
                    failed[index] += 1
                i += 1
        finally:
            connection.close()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    return sum(done) / elapsed, sum(done), sum(failed)


def _batched(first: int, last: int, threads: int, seconds: int, size: int) -> tuple[float, int, int]:
    from thamdee.ledger import services
    from thamdee.ledger.models import AccountKind, JournalKind
    from thamdee.ledger.services import AccountRef

    done = [0] * threads
    failed = [0] * threads
    stop = time.perf_counter() + seconds
    barrier = threading.Barrier(threads + 1)

    def worker(index: int) -> None:
        rng = random.Random(1000 + index)
        try:
            connection.ensure_connection()
            barrier.wait()
            n = 0
            while time.perf_counter() < stop:
                items = []
                for k in range(size):
                    a, b = _transfer_accounts(first, last, rng)
                    items.append(
                        services.BatchItem(
                            kind=JournalKind.TRANSFER,
                            legs=[(AccountRef(a, AccountKind.MEMBER), -1), (AccountRef(b, AccountKind.MEMBER), 1)],
                            idempotency_key=f"bench:batch:{index}:{n}:{k}",
                        )
                    )
                try:
                    services.journal_post_batch(items=items)
                    done[index] += size
                except Exception:
                    failed[index] += size
                n += 1
        finally:
            connection.close()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    return sum(done) / elapsed, sum(done), sum(failed)


def _fill(first: int, last: int, target_postings: int) -> int:
    """Set-based transfers until the posting table holds ``target_postings`` rows; returns transfers added."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ledger_posting")
        (have,) = cursor.fetchone()
    missing = max(0, (target_postings - have + 1) // 2)  # two postings a transfer: round up to reach the target
    added = 0
    n = last - first + 1
    while added < missing:
        chunk = min(500_000, missing - added)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM ledger_journal")
            (top,) = cursor.fetchone()
            cursor.execute(
                """
                CREATE TEMP TABLE fill_pairs ON COMMIT DROP AS
                SELECT g AS k, a, %s + ((a - %s + 1 + floor(random() * (%s - 1))::bigint) %% %s) AS b
                  FROM (SELECT g, %s + floor(random() * %s)::bigint AS a FROM generate_series(1, %s) g) s
            """,
                [first, first, n, n, first, n, chunk],
            )
            # Balanced by construction: spare the commit-time check of each of the chunk's journals (the posting
            # functions do the same for their own inserts); the reconciliation below checks every journal anyway.
            cursor.execute("SELECT set_config('thamdee.verified_post', 'on', true)")
            cursor.execute(
                """
                INSERT INTO ledger_journal (id, kind, idempotency_key, created_at)
                SELECT %s + k, 8, gen_random_uuid(), now() FROM fill_pairs ORDER BY k
            """,
                [top],
            )
            cursor.execute("SELECT set_config('thamdee.verified_post', 'off', true)")
            cursor.execute(
                """
                INSERT INTO ledger_posting (journal_id, account_id, amount)
                SELECT journal_id, account_id, amount FROM (
                  SELECT %s + k AS journal_id, a AS account_id, -1 AS amount FROM fill_pairs
                  UNION ALL SELECT %s + k, b, 1 FROM fill_pairs) legs
                ORDER BY journal_id, account_id
            """,
                [top, top],
            )
            cursor.execute(
                """
                UPDATE ledger_account acc SET balance = acc.balance + d.delta
                  FROM (SELECT account_id, sum(amount) AS delta FROM ledger_posting WHERE journal_id > %s
                        GROUP BY account_id) d
                 WHERE acc.id = d.account_id
            """,
                [top],
            )
            cursor.execute("SELECT setval(pg_get_serial_sequence('ledger_journal', 'id'), %s)", [top + chunk])
        added += chunk
    return added


def _journals() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ledger_journal")
        return int(cursor.fetchone()[0])


def _peer(options: Options, service_rate: float, floors: dict[int, float]) -> list[Figure]:
    """A peer ledger's transfers per second, by pgbench, in the same run (see the module's doc)."""
    assert options.peer_sql is not None and options.peer_script is not None
    name = options.peer_sql.stem
    with Timer() as t_load:
        psql_file(options.peer_sql, {"accounts": options.accounts})
    autocommit_sql("VACUUM ANALYZE")
    print(f"  peer {name}: set up in {t_load.seconds:.0f} s", flush=True)
    script = options.peer_script.read_text()
    figures: list[Figure] = []
    rates: dict[int, float] = {}
    for clients in options.floor_clients:
        checkpoint()
        pgbench(script, clients=clients, seconds=options.warmup, variables={"n": options.accounts})
        rates[clients] = pgbench(script, clients=clients, seconds=options.seconds, variables={"n": options.accounts})
        print(f"  peer {name} ({clients} clients): {rates[clients]:,.0f}/s", flush=True)
        figures.append(
            Figure(
                "ledger",
                f"peer {name}: transfers/s, pgbench ({clients} clients)",
                rates[clients],
                "/s",
                floor=floors.get(clients),
                note="the peer's own SQL function called by pgbench, no client code; same database, same run",
            )
        )
    same = rates.get(options.threads, max(rates.values()))
    figures.append(
        Figure(
            "ledger",
            f"single transfers via service / peer {name}",
            service_rate / same if same else 0.0,
            "x",
            goal=1.0,
            note=f"the service through Python ({options.threads} threads) against the peer by pgbench "
            f"({options.threads if options.threads in rates else max(rates)} clients): ahead of the peer when >= 1",
        )
    )
    return figures


def run(options: Options) -> list[Figure]:
    from thamdee.ledger.reconcile import ledger_check

    figures: list[Figure] = []
    note = f"{options.accounts:,} accounts"
    with Timer() as t_setup:
        first, last = _setup(options.accounts)
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL.format(n=options.accounts))
        cursor.execute(FLOOR_BATCH_SQL)
    autocommit_sql("VACUUM ANALYZE")
    print(f"  set-up: {options.accounts:,} wallets and the opening journal in {t_setup.seconds:.0f} s", flush=True)
    tables = ("ledger_journal", "ledger_posting")
    bytes_before = relation_bytes(*tables)
    journals_before = _journals()

    if not checkpoint():
        print("  (no CHECKPOINT before each phase: the role lacks pg_checkpoint; figures vary more)", flush=True)
    # A warm-up of the same load, not counted: the opening journal leaves the postings' account index packed
    # full, so the first random inserts split a page each; a ledger in service has room in its pages.
    _single(first, last, options.threads, options.warmup, tag="warmup")
    rate, count, failed = _single(first, last, options.threads, options.seconds)
    print(f"  single: {count:,} transfers ({failed} failed) -> {rate:,.0f}/s", flush=True)

    floors: dict[int, float] = {}
    for clients in options.floor_clients:
        checkpoint()
        pgbench(FLOOR_SCRIPT, clients=clients, seconds=options.warmup, variables={"n": options.accounts})
        floors[clients] = pgbench(
            FLOOR_SCRIPT, clients=clients, seconds=options.seconds, variables={"n": options.accounts}
        )
        print(f"  floor ({clients} clients): {floors[clients]:,.0f}/s", flush=True)
    same_clients_floor = floors.get(options.threads, max(floors.values()))
    figures.append(
        Figure(
            "ledger",
            f"single transfers/s via service ({options.threads} threads)",
            rate,
            "/s",
            goal=3100,
            floor=same_clients_floor,
            note=f"{note}; pgledger: 3,081/s vs its floor 12,887/s (16 clients)",
        )
    )
    figures.append(
        Figure(
            "ledger",
            "single transfers: share of the raw floor",
            rate / same_clients_floor,
            "x",
            goal=0.6,
            note=f"floor = one PL/pgSQL call per transfer, pgbench, {options.threads} clients",
        )
    )
    if 16 in floors:
        figures.append(Figure("ledger", "raw floor, 16 clients (pgledger's set-up)", floors[16], "/s"))
    checkpoint()
    bounds = {"first": first, "last": last, "span": max(1, min(1000, (last - first) // 2))}
    pgbench(SERVICE_SQL_SCRIPT, clients=options.threads, seconds=options.warmup, variables=bounds)
    service_sql = pgbench(SERVICE_SQL_SCRIPT, clients=options.threads, seconds=options.seconds, variables=bounds)
    print(f"  the service's SQL function by pgbench ({options.threads} clients): {service_sql:,.0f}/s", flush=True)
    figures.append(
        Figure(
            "ledger",
            f"service's SQL function alone, pgbench ({options.threads} clients)",
            service_sql,
            "/s",
            floor=same_clients_floor,
            note="diagnostic: the database's share of a service transfer (idempotency key, journal, two postings, "
            "two balances), without Python",
        )
    )

    checkpoint()
    brate, bcount, bfailed = _batched(first, last, options.batch_threads, options.seconds, options.batch_size)
    print(f"  batched: {bcount:,} transfers ({bfailed} failed) -> {brate:,.0f}/s", flush=True)
    checkpoint()
    batch_floor = options.batch_size * pgbench(
        FLOOR_BATCH_SCRIPT,
        clients=options.batch_threads,
        seconds=options.seconds,
        variables={"n": options.accounts, "size": options.batch_size},
    )
    print(f"  batched floor ({options.batch_threads} clients): {batch_floor:,.0f}/s", flush=True)
    figures.append(
        Figure(
            "ledger",
            f"batched transfers/s ({options.batch_size:,} per batch, {options.batch_threads} threads)",
            brate,
            "/s",
            goal=30000,
            floor=batch_floor,
            note=f"floor: minimal set-based transfers, {options.batch_size:,} per call, "
            f"{options.batch_threads} clients; TigerBeetle single node: ~42,000-48,000/s",
        )
    )

    with Timer() as t_fill:
        filled = _fill(first, last, options.postings_target)
    autocommit_sql("VACUUM ANALYZE ledger_journal")
    autocommit_sql("VACUUM ANALYZE ledger_posting")
    autocommit_sql("VACUUM ANALYZE ledger_account")
    print(f"  fill: {filled:,} set-based transfers in {t_fill.seconds:.0f} s", flush=True)
    transfers = _journals() - journals_before
    bytes_after = relation_bytes(*tables)
    per_transfer = (bytes_after - bytes_before) / transfers if transfers else 0
    figures.append(
        Figure(
            "ledger",
            "bytes per transfer (journal + 2 postings, with indexes)",
            per_transfer,
            "B",
            goal=350,
            direction="<=",
            note=f"over {transfers:,} transfers; pgledger: 941 B",
        )
    )

    checkpoint()
    report = ledger_check()
    if not report.ok:
        raise SystemExit(
            "the ledger does not reconcile after the benchmark: " + "; ".join(c.name for c in report.checks if not c.ok)
        )
    per_million = report.seconds / (report.accounts / 1_000_000) if report.accounts else report.seconds
    figures.append(
        Figure(
            "ledger",
            "reconciliation (ledger check) seconds",
            report.seconds,
            "s",
            goal=10 * max(report.accounts / 1_000_000, 1) * max(report.postings / 7_000_000, 1),
            direction="<=",
            note=f"{report.accounts:,} accounts, {report.postings:,} postings, "
            f"{report.journals:,} journals; {per_million:.1f} s per 1M accounts",
        )
    )
    if options.peer_sql and options.peer_script:  # last, so that its tables take no cache from the phases above
        figures += _peer(options, rate, floors)
    return figures


def describe(options: Any) -> str:
    return __doc__ or ""
