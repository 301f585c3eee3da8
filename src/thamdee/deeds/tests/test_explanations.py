"""Explanations kept once per distinct text and shared by the deeds they explain."""

from __future__ import annotations

import json

import pytest

from tests.factories import member_of
from thamdee.deeds import explanations, services
from thamdee.deeds.models import Deed, Explanation

from .conftest import report

LINES = [
    {"rule": "rate", "th": "5 เครดิตต่อชั่วโมง", "en": "5 credits an hour", "value": 10},
    {"rule": "total", "th": "รวม 10 เครดิต", "en": "Total 10 credits", "value": 10},
]


def test_the_digest_names_the_lines_whatever_the_order_of_their_keys():
    reordered = [{k: line[k] for k in reversed(list(line))} for line in LINES]
    assert explanations.digest(LINES) == explanations.digest(reordered)
    assert explanations.digest(LINES) != explanations.digest(LINES[1:])
    assert explanations.digest(LINES) != explanations.digest([{**LINES[0], "value": 11}, LINES[1]])


@pytest.mark.django_db
def test_the_same_lines_get_one_row_and_no_lines_get_none():
    first = explanations.explanation_for(LINES)
    again = explanations.explanation_for([dict(line) for line in LINES])
    other = explanations.explanation_for(LINES[1:])
    assert first is not None and other is not None and again is not None
    assert again.pk == first.pk and other.pk != first.pk
    assert explanations.explanation_for([]) is None
    assert Explanation.objects.count() == 2
    assert Explanation.objects.get(pk=first.pk).lines == LINES


@pytest.mark.django_db
def test_many_at_once_reads_once_and_adds_only_the_new_ones(django_assert_num_queries):
    known = explanations.explanation_for(LINES)
    new = [{"rule": "total", "th": "รวม 3 เครดิต", "en": "Total 3 credits", "value": 3}]
    # one read, one insert of the new, one read of what was inserted
    with django_assert_num_queries(3):
        rows = explanations.explanations_for([LINES, new, [], new, LINES])
    assert rows[0] is not None and rows[0].pk == known.pk and rows[4] is not None and rows[4].pk == known.pk
    assert rows[1] is not None and rows[3] is not None and rows[1].pk == rows[3].pk != known.pk
    assert rows[2] is None
    assert Explanation.objects.count() == 2
    with django_assert_num_queries(1):  # all known now
        assert [r.pk for r in explanations.explanations_for([new, LINES]) if r] == [rows[1].pk, known.pk]


@pytest.mark.django_db
def test_deeds_with_the_same_award_share_their_explanation_and_others_do_not(world):
    other = member_of(world.org)
    # Given three deeds of the same hours, one verified alone and two in bulk, and one of other hours
    one = report(world, hours=2)
    two = report(world, member=other, hours=2)
    three = report(world, hours=2, days_ago=2)
    four = report(world, hours=3, days_ago=3)
    services.deed_verify(actor=world.verifier, deed=one)
    services.deed_verify_bulk(actor=world.verifier, deeds=[two, three, four])
    deeds = {d.pk: d for d in Deed.objects.select_related("explanation")}
    # Then the three awards of 10 credits point to one explanation, the award of 15 to another
    assert deeds[one.pk].explanation_id == deeds[two.pk].explanation_id == deeds[three.pk].explanation_id
    assert deeds[four.pk].explanation_id not in (None, deeds[one.pk].explanation_id)
    assert Explanation.objects.count() == 2
    assert deeds[one.pk].explanation_text("en")[-1] == "Total 10 credits"
    assert deeds[four.pk].explanation_text("th")[-1] == "รวม 15 เครดิต"
    # And a deed not yet decided has none
    assert report(world, hours=1, days_ago=4).explanation_text() == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_shares_the_explanations_deeds_kept_and_back():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from tests.worlds import build_world

    w = build_world()
    other = member_of(w.org)
    same_a, same_b, alone = report(w, hours=2), report(w, member=other, hours=2), report(w, hours=3, days_ago=2)
    pending = report(w, hours=1, days_ago=3)
    services.deed_verify_bulk(actor=w.verifier, deeds=[same_a, same_b, alone])
    texts = {d.pk: d.explanation_text("th") for d in Deed.objects.select_related("explanation")}
    before, after = [("deeds", "0004_fewer_deed_indexes")], [("deeds", "0005_shared_explanations")]
    # Going back, each deed carries its lines again (none for the pending one)
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, explanation FROM deeds_deed")
        kept = {pk: (json.loads(v) if isinstance(v, str) else v) for pk, v in cursor.fetchall()}
    assert {pk: [line["th"] for line in lines] for pk, lines in kept.items()} == texts
    assert kept[pending.pk] == []
    # And forward again, the kept lines become one row per distinct text
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor.loader.build_graph()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, explanation_id FROM deeds_deed")
        links = dict(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM deeds_explanation")
        (rows,) = cursor.fetchone()
    assert links[same_a.pk] == links[same_b.pk] != links[alone.pk]
    assert links[pending.pk] is None and None not in (links[same_a.pk], links[alone.pk])
    assert rows == 2
    # Every later migration applied again (the schema other tests on this database expect), then the same texts.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert {d.pk: d.explanation_text("th") for d in Deed.objects.select_related("explanation")} == texts


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_of_the_same_lines_get_one_row():
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, transaction

    lines = [{"rule": "total", "th": "รวม 7 เครดิต", "en": "Total 7 credits", "value": 7}]
    start = threading.Barrier(16)

    def write(index: int) -> int:
        try:
            start.wait(timeout=30)
            with transaction.atomic():
                if index % 2:
                    row = explanations.explanation_for(lines)
                else:
                    (row,) = explanations.explanations_for([lines])
                assert row is not None
                return row.pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(write, range(16)))
    # Every writer, alone or in a batch, got the same row, and there is one
    assert len(set(ids)) == 1
    assert Explanation.objects.filter(digest=explanations.digest(lines)).count() == 1
