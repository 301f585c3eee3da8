"""`thamdee reports check`: the rollups kept agree with a rebuild, a tampered cell is found and named, and the
check itself changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from tests.worlds import build_world
from thamdee.deeds import services
from thamdee.reports import rollups
from thamdee.reports.models import OrgRollup, Rollup

pytestmark = pytest.mark.django_db


def _verified_deed(w):
    deed = services.deed_report(actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=1), hours=3)
    services.deed_verify(actor=w.verifier, deed=deed)
    return deed


def test_kept_rollups_agree_with_a_rebuild(capsys):
    w = build_world()
    _verified_deed(w)
    before = rollups.snapshot()

    report = rollups.check()

    assert report.ok and report.differ == 0 and report.examples == []
    assert report.cells == Rollup.objects.count() > 0
    assert report.organisation_cells == OrgRollup.objects.count() > 0
    assert rollups.snapshot() == before
    call_command("reports", "check")
    assert "rollups agree with a rebuild" in capsys.readouterr().out


def test_a_tampered_cell_is_found_and_nothing_is_changed(capsys):
    w = build_world()
    deed = _verified_deed(w)
    cell = Rollup.objects.get(area_code=deed.area.code, fiscal_year=deed.fiscal_year, month=0, virtue="", dimension="")
    Rollup.objects.filter(pk=cell.pk).update(deeds=cell.deeds + 5)
    OrgRollup.objects.filter(organisation=deed.organisation, month=0).update(credits_issued=999)
    tampered = rollups.snapshot()

    report = rollups.check(show=3)

    assert not report.ok
    assert report.differ == 4  # each tampered row is kept-not-rebuilt and rebuilt-not-kept
    assert len(report.examples) == 3
    labels = {label for label, _row in report.examples}
    assert "kept, not rebuilt" in labels
    kept_row = next(row for label, row in report.examples if label == "kept, not rebuilt")
    assert kept_row[0] == cell.area_code and kept_row[5] == cell.deeds + 5
    assert rollups.snapshot() == tampered  # the check rolled its rebuild back
    with pytest.raises(CommandError, match="rollups differ from a rebuild in 4 rows"):
        call_command("reports", "check")
