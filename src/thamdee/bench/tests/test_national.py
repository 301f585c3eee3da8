"""The synthetic national data set at a small size: the ledger reconciles and the rollups equal a rebuild."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from thamdee.bench import dashboards, national
from thamdee.deeds.models import Deed
from thamdee.ledger.reconcile import ledger_check
from thamdee.reports import rollups

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_a_small_national_data_set_reconciles(tmp_path):
    # given a small data set in two files (each ingested through `deeds ingest`)
    opts = national.Options(
        members=400, deeds=3000, chunk=1500, seed=5, workdir=tmp_path, today=dt.date(2026, 11, 1), echo=lambda _: None
    )
    world = national.generate(opts)

    # then every deed is there, verified, the ledger reconciles and the rollups are those a rebuild gives
    assert len(world.files) == 2 and world.members == 400
    assert Deed.objects.filter(status="verified").count() == 3000
    assert ledger_check().ok
    kept = rollups.snapshot()
    rollups.rebuild()
    assert kept == rollups.snapshot()
    assert {cell[3] for cell in kept if cell[0] != "org"} >= {"", "sufficiency", "volunteering"}


def test_the_dashboards_bench_leaves_the_data_set_agreeing_with_a_rebuild(tmp_path):
    # given a small national data set (a kept one is reused by later runs of the bench)
    opts = national.Options(members=300, deeds=1500, chunk=1500, seed=7, workdir=tmp_path, echo=lambda _: None)
    national.generate(opts)
    verified_before = Deed.objects.filter(status="verified").count()

    # when the bench measures verification with and without the rollup hook
    with_rollups, without = dashboards._verification_cost(dashboards.Options(verifications=200), random.Random(3))

    # then deeds were verified both ways, and the rollups still equal a rebuild and the ledger reconciles
    assert with_rollups > 0 and without > 0
    assert Deed.objects.filter(status="verified").count() >= verified_before + 4
    assert rollups.check().ok
    assert ledger_check().ok
